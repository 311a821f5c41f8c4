/**
 * A private temp dir (mkdtemp: mode 0700) whose removal is registered with the cleanup, so it goes
 * on every exit path, an interruption (Ctrl-C) mid-copy included, not only through a finally.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup } from './cleanup.js';

export async function tempDir(
  prefix: string,
): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return {
    dir,
    remove: onCleanup(`remove ${dir}`, () => rm(dir, { recursive: true, force: true })),
  };
}
