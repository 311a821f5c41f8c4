import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const dirs = new Set<string>();

// Registered when a test file imports this module, so dirs made inside beforeAll (where a nested
// afterAll would never run) are removed too.
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  dirs.clear();
});

/** A temp dir removed after the test file, whatever happened. */
export async function suiteTempDir(prefix = 'armada-test-'): Promise<string> {
  const dir = await mkdtemp(join(process.env.ARMADA_TEST_TMP ?? tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

export { isRoot, rootOnlyReason } from './needs.js';
