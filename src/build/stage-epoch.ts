/**
 * Reads what decides a build's default time from its stage (plan-epoch.ts): the InRelease files
 * kept beside the root filesystem and the stage record's updatedAt.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decideEpoch, type EpochDecision } from './plan-epoch.js';
import { stagePaths } from '../cache/layout.js';
import { unlessMissing } from '../fs-errors.js';

export async function stageEpoch(
  cacheDir: string,
  stageKey: string,
  given: number | undefined,
): Promise<EpochDecision> {
  if (given !== undefined) return decideEpoch({ given, inReleases: [] });
  const p = stagePaths(cacheDir, stageKey);
  const dir = join(p.dir, 'inrelease');
  const names = (await unlessMissing(readdir(dir), [] as string[])).sort();
  const inReleases = await Promise.all(names.map((n) => readFile(join(dir, n), 'utf8')));
  const record = await unlessMissing(readFile(p.complete, 'utf8'), undefined);
  const updatedAt = record ? (JSON.parse(record) as { updatedAt?: unknown }).updatedAt : undefined;
  return decideEpoch({
    inReleases,
    ...(typeof updatedAt === 'string' ? { stageUpdatedAt: updatedAt } : {}),
  });
}
