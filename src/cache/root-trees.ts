/**
 * The root filesystem trees in the cache (bootstrap stages and installed bases): their records
 * (complete.json) and the budget they share.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { safeRemoveTree } from '../safe-remove.js';
import { defaultPolicy, planPrune } from './policy.js';
import { listCache } from './read.js';

/** Merges fields into a stage's complete.json; atomic, so a reader never sees half a file. */
export async function updateStageRecord(
  stageDir: string,
  fields: Record<string, unknown>,
): Promise<void> {
  const path = join(stageDir, 'complete.json');
  const current = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  await writeFile(`${path}.tmp`, JSON.stringify({ ...current, ...fields }, null, 2));
  await rename(`${path}.tmp`, path);
}

/**
 * The cache policy over the root filesystem trees (stages and installed bases share one budget),
 * after `keep` was added: the least recently used beyond the budget go, and stale partial ones.
 */
export async function pruneRootTrees(cacheDir: string, keep: string): Promise<void> {
  const { entries } = await listCache(cacheDir);
  const trees = entries.filter(
    (e) => e.kind === 'stage' || e.kind === 'base-install' || e.kind === 'partial-stage',
  );
  for (const e of planPrune(trees, { now: Date.now(), ...defaultPolicy, keep: [keep] }))
    await safeRemoveTree(e.path);
}
