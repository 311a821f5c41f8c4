/**
 * What is in the cache directory, as entries the pure policy can judge. Reads only metadata,
 * except for a stage made before stages recorded their size (then `du` measures it once).
 */
import { readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../exec.js';
import type { CacheEntry } from './policy.js';
import { supersededDebs } from './policy.js';
import { isNotFound, unlessMissing } from '../fs-errors.js';
import { cachePath, completeFile, isPartialInstall, isPartialStage } from './layout.js';

export interface StageInfo {
  key: string;
  arch?: string;
  suite?: string;
  packages?: number;
  /** What the stage was asked to install (stages record it since the refresh work). */
  packageList?: string[];
  sourceDateEpoch?: number;
  bytes?: number;
  /** An installed base (`build --base`): the base's SHA-256 and release. */
  baseSha256?: string;
  codename?: string;
}

export interface CacheListing {
  dir: string;
  entries: (CacheEntry & { stage?: StageInfo })[];
}

const listDir = (dir: string) => unlessMissing(readdir(dir), [] as string[]);

export async function measureBytes(path: string): Promise<number> {
  const { stdout } = await run(['du', ['-sxB1', '--', path]]);
  return Number(stdout.split(/\s/)[0]);
}

const lastUsedFile = (stageDir: string) => join(stageDir, 'last-used');

/** Marks a stage as used now (eviction is least recently used first). */
export async function touchStage(stageDir: string): Promise<void> {
  const now = new Date();
  await writeFile(lastUsedFile(stageDir), now.toISOString() + '\n');
  await utimes(lastUsedFile(stageDir), now, now);
}

async function readStage(
  dir: string,
  key: string,
  kind: 'stage' | 'base-install',
): Promise<CacheEntry & { stage: StageInfo }> {
  const path = join(dir, key);
  const complete = JSON.parse(await readFile(join(path, completeFile), 'utf8')) as StageInfo;
  const used = await stat(lastUsedFile(path)).catch((e: unknown) => {
    if (isNotFound(e)) return stat(join(path, completeFile));
    throw e;
  });
  const bytes = complete.bytes ?? (await measureBytes(path));
  return {
    kind,
    id: key,
    path,
    bytes,
    lastUsed: used.mtimeMs,
    stage: { ...complete, key, bytes },
  };
}

/** The artifact sets alone: what a build prunes after writing one, without walking the stages. */
export async function listArtifactSets(cache: string): Promise<CacheEntry[]> {
  const artifacts = cachePath(cache, 'artifacts');
  const sets: CacheEntry[] = [];
  for (const name of (await listDir(artifacts)).sort()) {
    const path = join(artifacts, name);
    const files = await listDir(path);
    const sizes = await Promise.all(files.map((f) => stat(join(path, f)).then((s) => s.size)));
    sets.push({
      kind: 'artifacts',
      id: name,
      path,
      bytes: sizes.reduce((n, b) => n + b, 0),
      lastUsed: (await stat(path)).mtimeMs,
    });
  }
  return sets;
}

/**
 * Root filesystem trees under `dir`: complete ones, and partial ones an interrupted build left,
 * last used when the newest of `touched` (paths inside the partial tree) changed.
 */
async function listRootTrees(
  dir: string,
  kind: 'stage' | 'base-install',
  partial: { is: (name: string) => boolean; idPrefix: string; touched: readonly string[] },
): Promise<(CacheEntry & { stage?: StageInfo })[]> {
  const entries: (CacheEntry & { stage?: StageInfo })[] = [];
  for (const name of (await listDir(dir)).sort()) {
    const path = join(dir, name);
    if (partial.is(name)) {
      const times = await Promise.all(
        partial.touched.map((t) =>
          stat(join(path, t)).then(
            (s) => s.mtimeMs,
            () => 0,
          ),
        ),
      );
      entries.push({
        kind: 'partial-stage',
        id: `${partial.idPrefix}${name}`,
        path,
        bytes: await measureBytes(path),
        lastUsed: Math.max(...times),
      });
    } else if (await unlessMissing(stat(join(path, completeFile)), undefined)) {
      entries.push(await readStage(dir, name, kind));
    }
  }
  return entries;
}

export async function listCache(cache: string): Promise<CacheListing> {
  const entries: CacheListing['entries'] = [];
  entries.push(
    // A running bootstrap keeps touching its rootfs.
    ...(await listRootTrees(cachePath(cache, 'stages'), 'stage', {
      is: isPartialStage,
      idPrefix: '',
      touched: ['.', 'rootfs'],
    })),
    // build --base's installed roots: `<key>.partial-…` while one is stored, or moved aside by
    // --refresh (its directory's time set then).
    ...(await listRootTrees(cachePath(cache, 'installs'), 'base-install', {
      is: isPartialInstall,
      idPrefix: 'installs/',
      touched: ['.'],
    })),
  );
  const aptDir = cachePath(cache, 'apt');
  for (const arch of (await listDir(aptDir)).sort()) {
    const files = await Promise.all(
      (await listDir(join(aptDir, arch)))
        .filter((f) => f.endsWith('.deb'))
        .map(async (file) => {
          const s = await stat(join(aptDir, arch, file));
          return { file, mtimeMs: s.mtimeMs, bytes: s.size };
        }),
    );
    const old = new Set(supersededDebs(files).map((d) => d.file));
    for (const f of files.filter((d) => old.has(d.file)))
      entries.push({
        kind: 'superseded-deb',
        id: f.file,
        path: join(aptDir, arch, f.file),
        bytes: f.bytes,
        lastUsed: f.mtimeMs,
      });
    const current = files.filter((d) => !old.has(d.file));
    entries.push({
      kind: 'packages',
      id: `${arch} (${current.length} current .deb files)`,
      path: join(aptDir, arch),
      bytes: current.reduce((n, d) => n + d.bytes, 0),
      lastUsed: Math.max(0, ...current.map((d) => d.mtimeMs)),
    });
  }
  entries.push(...(await listArtifactSets(cache)));
  const downloads = cachePath(cache, 'downloads');
  for (const name of (await listDir(downloads)).sort()) {
    const s = await stat(join(downloads, name));
    entries.push({
      kind: 'download',
      id: name,
      path: join(downloads, name),
      bytes: s.isFile() ? s.size : await measureBytes(join(downloads, name)),
      lastUsed: Math.max(s.mtimeMs, s.atimeMs),
    });
  }
  return { dir: cache, entries };
}
