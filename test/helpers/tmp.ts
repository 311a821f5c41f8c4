import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A temp dir removed after the suite, whatever happened. */
export async function suiteTempDir(prefix = 'armada-test-'): Promise<string> {
  const dir = await mkdtemp(join(process.env.ARMADA_TEST_TMP ?? tmpdir(), prefix));
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}

export const isRoot = process.getuid?.() === 0;

/** Root-only suites say why they skip instead of silently passing. */
export function rootOnlyReason(): string | undefined {
  return isRoot ? undefined : 'needs root (CI runs as root): loop devices, mkfs, QEMU';
}
