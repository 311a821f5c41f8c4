/**
 * sha256OfFile (two reused buffers, the next read in flight while one is hashed) against a
 * one-shot hash, for sizes around its 4 MiB pieces.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256OfFile } from '../../../src/source/checksum.js';

const MiB = 1 << 20;

describe('sha256OfFile', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'armada-sha256-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each([0, 1, 4 * MiB - 1, 4 * MiB, 8 * MiB, 9 * MiB + 5])('hashes %i bytes', async (size) => {
    const data = randomBytes(size);
    const file = join(dir, `f${size}`);
    await writeFile(file, data);
    expect(await sha256OfFile(file)).toBe(createHash('sha256').update(data).digest('hex'));
  });
});
