/**
 * The installed-base cache: the base's root filesystem as it stands after take-over-first-boot and
 * install-docker, kept so that customising the same base again skips the Docker install (minutes
 * under qemu-user). Keyed by everything that decides that tree: the base's SHA-256 (which fixes
 * its files, architecture, release and the take-over plan made from them), the take-over plan and
 * the install commands themselves (so a change to armada's planning makes a new key), the package
 * list, where the packages come from and that source's state, and SOURCE_DATE_EPOCH. Pure.
 */
import type { Command } from '../exec.js';
import { shortKey } from '../cache/key.js';

/** Bump when install-docker changes the tree in a way the inputs below do not show. */
const installRecipeVersion = 2;

/** Where install-docker will take the packages from, and what pins their versions. */
export type InstallSource =
  /** --packages-from: the .debs by name and SHA-256. */
  | { kind: 'local'; debs: readonly { name: string; sha256: string }[] }
  /** The base's own sources or Debian's archive: its lines and each one's InRelease hash. */
  | { kind: 'base' | 'debian'; lines: readonly string[]; archiveState: readonly string[] };

export interface InstallInputs {
  baseSha256: string;
  arch: string;
  codename: string;
  packages: readonly string[];
  source: InstallSource;
  /** What the take-over step and the install run, as planned (data, not code). */
  plan: unknown;
  sourceDateEpoch?: number;
}

export function installKey(i: InstallInputs): string {
  return shortKey({
    installRecipeVersion,
    ...i,
    packages: [...i.packages].sort(),
    source:
      i.source.kind === 'local'
        ? { kind: 'local', debs: [...i.source.debs].sort((a, b) => a.name.localeCompare(b.name)) }
        : i.source,
  });
}

/**
 * Whether a source's state pins what apt will install: every line has an InRelease whose hash is
 * known. A line apt reads from elsewhere (file:, cdrom:) or a state not fetched cannot be keyed.
 */
export function sourceIsPinned(s: InstallSource): boolean {
  if (s.kind === 'local') return s.debs.length > 0;
  return (
    s.lines.length > 0 &&
    s.archiveState.length === s.lines.length &&
    s.archiveState.every((h) => /^[0-9a-f]{64}$/.test(h))
  );
}

/** complete.json of an installed base: what `armada cache` shows, and where Docker came from. */
export interface InstallRecord {
  key: string;
  baseSha256: string;
  arch: string;
  codename: string;
  dockerFrom: 'base' | 'debian' | 'local';
  packages: number;
  bytes?: number;
  createdAt: string;
}

/** The cached tree read-only below, this build's changes in `upper` (overlayfs). */
export function overlayMountCommand(
  lower: string,
  upper: string,
  work: string,
  target: string,
): Command {
  return [
    'mount',
    [
      '-t',
      'overlay',
      'overlay',
      '-o',
      `lowerdir=${lower},upperdir=${upper},workdir=${work}`,
      target,
    ],
  ];
}
