/**
 * The installed-base cache on disk (`<cache>/installs/<key>/rootfs` and `complete.json`): what
 * decides a key that is not in the base itself (the state of the package source, the .debs
 * given), looking an entry up, copying it out and storing a new one. The key and the record are
 * planned in plan-install-cache.ts; the cache policy (src/cache/policy.ts) keeps these entries
 * within the same budget as the bootstrap stages.
 */
import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../exec.js';
import { log } from '../log.js';
import { UserError } from '../errors.js';
import { unlessMissing } from '../fs-errors.js';
import type { Ext4Volume } from '../image/debugfs.js';
import { listExt4, readExt4 } from '../image/ext4.js';
import { sha256OfFile } from '../source/checksum.js';
import { sourceLines, type AptSource } from '../apt/apt-sources.js';
import { fetchArchiveState } from '../apt/archive-state.js';
import { readAptSources, readHostAptSources } from '../apt/read-apt-sources.js';
import { safeRemoveTree } from '../safe-remove.js';
import { measureBytes, touchStage } from '../cache/read.js';
import { cachePath, completeFile, installPaths } from '../cache/layout.js';
import { pruneRootTrees } from '../cache/root-trees.js';
import { debianSourcesList } from './plan-docker.js';
import type { OverlayTrees } from './apply-upper.js';
import {
  overlayMountCommand,
  type InstallRecord,
  type InstallSource,
} from './plan-install-cache.js';

/** The Debian archive this machine's apt uses: where a base whose sources fail installs from. */
export async function hostDebianUri(): Promise<string | undefined> {
  return (await readHostAptSources()).find(
    (s) => s.types.includes('deb') && !s.suites.some((x) => x.endsWith('-security')),
  )?.uris[0];
}

export function codenameOf(osRelease: string): string | undefined {
  return /^VERSION_CODENAME=["']?([a-z]+)/m.exec(osRelease)?.[1];
}

/** The base's release and apt sources, read from its image (debugfs) before it is extracted. */
export async function readBaseRelease(
  v: Ext4Volume,
): Promise<{ codename?: string; sources: AptSource[] }> {
  // /etc/os-release is a symlink into /usr/lib on Debian; debugfs cat does not follow it.
  const osRelease =
    (await readExt4(v, '/usr/lib/os-release')) ?? (await readExt4(v, '/etc/os-release'));
  const codename = osRelease ? codenameOf(osRelease.toString('utf8')) : undefined;
  const sources = await readAptSources('/etc/apt', {
    read: async (p) => (await readExt4(v, p))?.toString('utf8'),
    list: async (d) => (await listExt4(v, d)) ?? [],
  });
  return { ...(codename ? { codename } : {}), sources };
}

/** Each line's InRelease hash, or undefined when the archive does not answer (offline). */
async function stateOf(lines: readonly string[]): Promise<string[] | undefined> {
  try {
    return await fetchArchiveState(lines);
  } catch (error) {
    if (error instanceof UserError) return undefined;
    throw error;
  }
}

export const debs = async (dir: string) =>
  (await unlessMissing(readdir(dir), [] as string[])).filter((n) => n.endsWith('.deb')).sort();

/**
 * Where install-docker will take the packages from, as it decides: --packages-from; else the
 * base's own sources when their archives answer; else Debian's archive for the base's release.
 * undefined: nothing pins the packages (no source answers), so the install cannot be keyed.
 */
export async function installSourceFor(
  base: { codename: string; sources: readonly AptSource[] },
  packagesFrom: string | undefined,
): Promise<InstallSource | undefined> {
  if (packagesFrom) {
    const names = await debs(packagesFrom);
    const hashed = [];
    for (const name of names)
      hashed.push({ name, sha256: await sha256OfFile(join(packagesFrom, name)) });
    return { kind: 'local', debs: hashed };
  }
  const own = sourceLines(base.sources);
  const ownState = own.length ? await stateOf(own) : undefined;
  if (ownState) return { kind: 'base', lines: own, archiveState: ownState };
  const uri = await hostDebianUri();
  if (!uri) return undefined;
  const lines = debianSourcesList(uri, base.codename, ['main']).trim().split('\n');
  const state = await stateOf(lines);
  return state ? { kind: 'debian', lines, archiveState: state } : undefined;
}

export async function findInstall(
  cacheDir: string,
  key: string,
): Promise<InstallRecord | undefined> {
  const text = await unlessMissing(
    readFile(installPaths(cacheDir, key).complete, 'utf8'),
    undefined,
  );
  return text === undefined ? undefined : (JSON.parse(text) as InstallRecord);
}

/**
 * The cached tree as this build's root, the entry left pristine: an overlay mount (the entry as
 * the read-only lower layer, this build's few changes in `workDir`), so the gigabyte tree is not
 * copied; a copy where overlayfs cannot be mounted. Removing `workDir` (safeRemoveTree) unmounts
 * it. Later steps only write, delete and rename files in the root, which overlayfs supports.
 */
export async function useInstall(
  cacheDir: string,
  key: string,
  workDir: string,
): Promise<
  { rootfs: string; how: 'copy' } | { rootfs: string; how: 'overlay'; trees: OverlayTrees }
> {
  const p = installPaths(cacheDir, key);
  // Marked used first: the cache policy never evicts an entry used within the hour.
  await touchStage(p.dir);
  const rootfs = join(workDir, 'rootfs');
  const upper = join(workDir, 'overlay-upper');
  const work = join(workDir, 'overlay-work');
  await Promise.all([rootfs, upper, work].map((d) => mkdir(d)));
  // Layers on one filesystem: only then does overlayfs give every file the overlay's st_dev, which
  // `du -x` (sizing the root) and mke2fs's hard-link detection rely on. Commas or colons in a path
  // would split the mount options.
  const [lowerFs, upperFs] = await Promise.all([stat(p.rootfs), stat(upper)]);
  const mounted =
    lowerFs.dev !== upperFs.dev || /[,:\\]/.test(p.rootfs + workDir)
      ? undefined
      : await run(overlayMountCommand(p.rootfs, upper, work, rootfs), { allowFailure: true });
  if (mounted?.exitCode === 0)
    return { rootfs, how: 'overlay', trees: { merged: rootfs, upper, lower: p.rootfs } };
  log.debug(
    `installed root not mounted as an overlay (${mounted?.stderr.trim() || 'another filesystem or path'}); copying it`,
  );
  await rm(rootfs, { recursive: true });
  await run(['cp', ['-a', '--reflink=auto', p.rootfs, rootfs]]);
  return { rootfs, how: 'copy' };
}

/**
 * Stores a copy of `rootfs` under the record's key: copied into a partial directory, its record
 * written, then one rename, so an interrupted store never looks like a good entry.
 */
export async function storeInstall(
  cacheDir: string,
  record: Omit<InstallRecord, 'bytes'>,
  rootfs: string,
): Promise<void> {
  const p = installPaths(cacheDir, record.key);
  await mkdir(cachePath(cacheDir, 'installs'), { recursive: true });
  const partial = await mkdtemp(p.partialPrefix);
  try {
    await run(['cp', ['-a', '--reflink=auto', rootfs, join(partial, 'rootfs')]]);
    const bytes = await measureBytes(partial);
    await writeFile(join(partial, completeFile), JSON.stringify({ ...record, bytes }, null, 2));
    // An entry of the same key (--refresh) may be another build's overlay right now: moved aside
    // as a partial one, which the cache policy removes once it has been left alone for hours.
    if (await unlessMissing(stat(p.dir), undefined)) {
      const aside = `${p.partialPrefix}replaced-${process.pid}-${Date.now()}`;
      await rename(p.dir, aside);
      const now = new Date();
      await utimes(aside, now, now);
    }
    await rename(partial, p.dir);
  } catch (error) {
    await safeRemoveTree(partial);
    throw error;
  }
  await touchStage(p.dir);
  await pruneRootTrees(cacheDir, record.key);
}
