/**
 * Reading and writing what each cached stage says about itself (complete.json).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sourceLines } from '../apt/apt-sources.js';
import { readHostAptSources } from '../apt/read-apt-sources.js';
import { stateFromInReleases, type StageRecord } from './plan-refresh.js';
import { fetchArchiveState } from '../apt/archive-state.js';
import { cachePath, completeFile, isPartialStage, stagePaths } from '../cache/layout.js';
import { safeRemoveTree } from '../safe-remove.js';
import { measureBytes, touchStage } from '../cache/read.js';
import { pruneRootTrees } from '../cache/root-trees.js';
import { unlessMissing } from '../fs-errors.js';

/** Every complete stage in the cache (partial ones have no complete.json yet). */
export async function readStageRecords(cacheDir: string): Promise<StageRecord[]> {
  const dir = cachePath(cacheDir, 'stages');
  const names = await unlessMissing(readdir(dir), [] as string[]);
  const records: StageRecord[] = [];
  for (const name of names.filter((n) => !isPartialStage(n))) {
    const text = await unlessMissing(readFile(join(dir, name, completeFile), 'utf8'), undefined);
    if (text) records.push({ ...(JSON.parse(text) as StageRecord), key: name });
  }
  return records;
}

/** The apt sources a root filesystem was set up with: what mmdebstrap chose, when it chose. */
export async function rootfsSourceLines(rootfs: string): Promise<string[]> {
  return sourceLines(await readHostAptSources(join(rootfs, 'etc/apt')));
}

/**
 * Puts a finished stage in place: its record first, then one rename, so that an interrupted build
 * never leaves a directory that a rerun could take for a good stage. Then the cache policy runs
 * (least recently used stages beyond the budget go).
 */
export async function commitStage(
  cacheDir: string,
  key: string,
  record: Record<string, unknown>,
): Promise<void> {
  const p = stagePaths(cacheDir, key);
  await writeFile(
    join(p.partial, completeFile),
    JSON.stringify({ ...record, key, bytes: await measureBytes(p.partial) }, null, 2),
  );
  await safeRemoveTree(p.dir);
  await rename(p.partial, p.dir);
  await touchStage(p.dir);
  await pruneRootTrees(cacheDir, key);
}

/**
 * The archive state a new stage was made from: the InRelease files its apt used (kept beside the
 * root filesystem by the bootstrap and refresh), else fetched now.
 */
export async function madeFromState(stageDir: string, sources: string[]): Promise<string[]> {
  const dir = join(stageDir, 'inrelease');
  const hashes = new Map<string, string>();
  const names = await unlessMissing(readdir(dir), [] as string[]);
  for (const name of names)
    hashes.set(
      name,
      createHash('sha256')
        .update(await readFile(join(dir, name)))
        .digest('hex'),
    );
  return stateFromInReleases(sources, hashes) ?? fetchArchiveState(sources);
}
