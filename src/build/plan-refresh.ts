/**
 * Which root filesystem a build starts from. A full bootstrap costs ~30 minutes under qemu-user
 * (dpkg and maintainer scripts of ~400 packages); when the archive has only moved on (a point
 * release, a security update), upgrading the cached stage in place of its predecessor installs
 * only what changed. Release builds keep the full bootstrap: `--refresh`, or no stage cache at all
 * as in the release workflow. An offline build (`--offline`) asks no archive: a cached stage of
 * exactly its options is used as it is, and anything else is missing.
 */
import type { Command } from '../exec.js';
import { inReleaseListName, inReleaseUrl } from '../apt/apt-sources.js';
import { keepInReleases } from './plan-bootstrap.js';

/** What a finished stage recorded about itself (complete.json); older stages lack the extras. */
export interface StageRecord {
  key: string;
  /** The stage key without the archive state: stages of one lineage differ only in the archive. */
  lineage?: string;
  /** The key without the archive state and the package set: stages a package install can extend. */
  family?: string;
  /** The packages asked for (mmdebstrap --include), sorted. */
  packageList?: string[];
  /** sha256 of each of `sources`' InRelease when the stage was made or last refreshed. */
  archiveState?: string[];
  /** The `deb …` lines the stage's apt was set up with (what mmdebstrap chose, too). */
  sources?: string[];
  /** ISO time the stage's packages were last brought up to date. */
  updatedAt?: string;
}

export type StageDecision =
  | { kind: 'hit'; recordState?: string[] }
  | { kind: 'refresh'; from: string; why: string; install: string[] }
  | { kind: 'bootstrap'; why: string }
  /** --offline, and the cache lacks what this build needs: what is missing, in words. */
  | { kind: 'missing'; why: string };

export interface StageSituation {
  key: string;
  lineage: string;
  family: string;
  /** The packages this build asks for. */
  packages: readonly string[];
  /** --refresh: a full, fresh bootstrap whatever the cache holds. */
  forceBootstrap: boolean;
  /**
   * --offline: no archive is asked, so nothing can be upgraded, installed or bootstrapped; only
   * `exact` as it is will do, and anything else is `missing`.
   */
  offline: boolean;
  /** The stage under `key`, when there is a complete one. */
  exact?: StageRecord;
  /** The archive state of `exact`'s sources now (same order); undefined when not fetched. */
  liveState?: string[];
  /** Other complete stages in the cache. */
  others: StageRecord[];
}

const sameState = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((h, i) => h === b[i]);

/** The stage of `lineage` whose packages were brought up to date last. */
export function newestOfLineage(
  records: readonly StageRecord[],
  lineage: string,
): StageRecord | undefined {
  return records
    .filter((r) => r.lineage === lineage)
    .sort((a, b) => (b.updatedAt ?? '').localeCompare(a.updatedAt ?? ''))[0];
}

export function decideStage(s: StageSituation): StageDecision {
  const withArchive = decideWithArchive(s);
  if (!s.offline) return withArchive;
  // The stage is taken as it is; its recorded archive state stays what it was made from.
  if (s.exact && !s.forceBootstrap) return { kind: 'hit' };
  return { kind: 'missing', why: missingOffline(s, withArchive) };
}

/** What an offline build lacks, given what the same build with the archive would have done. */
function missingOffline(s: StageSituation, withArchive: StageDecision): string {
  if (s.forceBootstrap) return '--refresh asks for a fresh bootstrap from the archive';
  if (withArchive.kind !== 'refresh') return 'no cached stage for these options';
  const from = s.others.find((o) => o.key === withArchive.from);
  if (withArchive.install.length)
    return `the cached stage ${withArchive.from} lacks ${withArchive.install.length === 1 ? 'the package' : 'the packages'} ${withArchive.install.join(' ')}`;
  if (from?.lineage === s.lineage)
    return `the cached stage ${withArchive.from} of these options is of another archive state, and upgrading it needs the archive`;
  // Same family and packages but another lineage: only SOURCE_DATE_EPOCH differs.
  return `the cached stage ${withArchive.from} of these packages was made under another SOURCE_DATE_EPOCH`;
}

function decideWithArchive(s: StageSituation): StageDecision {
  if (s.forceBootstrap) return { kind: 'bootstrap', why: '--refresh asks for a fresh bootstrap' };
  if (s.exact) {
    // A stage from before stages recorded their archive: take it as current and record it now.
    if (!s.exact.archiveState || !s.liveState)
      return s.liveState ? { kind: 'hit', recordState: s.liveState } : { kind: 'hit' };
    if (sameState(s.exact.archiveState, s.liveState)) return { kind: 'hit' };
    return {
      kind: 'refresh',
      from: s.exact.key,
      why: 'the archive has changed since the stage',
      install: [],
    };
  }
  const predecessor = newestOfLineage(
    s.others.filter((o) => o.key !== s.key),
    s.lineage,
  );
  if (predecessor)
    return {
      kind: 'refresh',
      from: predecessor.key,
      why: 'the archive has changed since the cached stage of these options',
      install: [],
    };
  // A stage of the same options with fewer packages (the default image's, for `--with ovs`) is
  // extended by installing the rest: the closest one, then the newest.
  const wanted = new Set(s.packages);
  const base = s.others
    .filter((o) => o.family === s.family && o.packageList?.every((p) => wanted.has(p)))
    .sort(
      (a, b) =>
        b.packageList!.length - a.packageList!.length ||
        (b.updatedAt ?? '').localeCompare(a.updatedAt ?? ''),
    )[0];
  if (base) {
    const have = new Set(base.packageList);
    const install = [...wanted].filter((p) => !have.has(p)).sort();
    return {
      kind: 'refresh',
      from: base.key,
      why: `cached stage ${base.key} has all but ${install.length} of the packages`,
      install,
    };
  }
  return { kind: 'bootstrap', why: 'no cached stage for these options' };
}

/**
 * Pure: the archive state of `sources` from the InRelease files apt used (name → sha256), or
 * undefined when one is missing (then the state is fetched instead).
 */
export function stateFromInReleases(
  sources: readonly string[],
  hashes: ReadonlyMap<string, string>,
): string[] | undefined {
  // A source that is not fetched over HTTP has no state to compare (as in fetchArchiveState).
  const state = sources.map((line) =>
    inReleaseUrl(line) ? hashes.get(inReleaseListName(line) ?? '') : '',
  );
  return state.every((h) => h !== undefined) ? state : undefined;
}

/**
 * Upgrades a copied stage with its own apt (and installs `install`, the packages it lacks), in a
 * private mount namespace so that /proc, /dev and
 * the package cache bind mount vanish with the process on every exit path. Services never start
 * (policy-rc.d); configuration files stay as built (confold). Packages nothing needs any more
 * (an old kernel ABI after a kernel update) are purged, so that the result holds what a fresh
 * bootstrap would; lists and the package cache are emptied as mmdebstrap leaves them.
 */
export function refreshCommand(
  rootfs: string,
  aptCacheDir: string,
  install: readonly string[] = [],
): Command {
  const script = [
    'set -eu',
    'r="$1"; cache="$2"; shift 2',
    'mount -t proc proc "$r/proc"',
    'mount --rbind /dev "$r/dev"',
    'mount -t sysfs sys "$r/sys"',
    'mkdir -p "$cache" "$r/var/cache/apt/archives"',
    'mount --bind "$cache" "$r/var/cache/apt/archives"',
    `printf '#!/bin/sh\\nexit 101\\n' > "$r/usr/sbin/policy-rc.d"`,
    'chmod 0755 "$r/usr/sbin/policy-rc.d"',
    'export DEBIAN_FRONTEND=noninteractive',
    // As mmdebstrap installs: no Recommends, no translations.
    'apt="apt-get -y -q -o Acquire::Retries=3 -o APT::Install-Recommends=false -o Acquire::Languages=none -o Dpkg::Options::=--force-confold -o Dpkg::Options::=--force-unsafe-io"',
    'chroot "$r" $apt update',
    'chroot "$r" $apt dist-upgrade',
    // Package names arrive as arguments, never as script text.
    'if [ "$#" -gt 0 ]; then chroot "$r" $apt install -- "$@"; fi',
    'chroot "$r" $apt -o APT::Protect-Kernels=false --purge autoremove',
    'rm -f "$r/usr/sbin/policy-rc.d"',
    keepInReleases('"$r"'),
    'umount "$r/var/cache/apt/archives"',
    'rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin',
  ].join('\n');
  return [
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      '--',
      'sh',
      '-c',
      script,
      'armada-refresh',
      rootfs,
      aptCacheDir,
      ...install,
    ],
  ];
}

export interface PackageChange {
  name: string;
  from?: string;
  to?: string;
}

/** What an upgrade did: packages whose version changed, appeared or went. */
export function packageChanges(
  before: readonly { name: string; version: string }[],
  after: readonly { name: string; version: string }[],
): PackageChange[] {
  const old = new Map(before.map((p) => [p.name, p.version]));
  const now = new Map(after.map((p) => [p.name, p.version]));
  const names = [...new Set([...old.keys(), ...now.keys()])].sort();
  return names
    .filter((n) => old.get(n) !== now.get(n))
    .map((n) => ({
      name: n,
      ...(old.has(n) ? { from: old.get(n) } : {}),
      ...(now.has(n) ? { to: now.get(n) } : {}),
    }));
}
