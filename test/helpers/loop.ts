/**
 * Loop devices over files pre-filled with random bytes: our stand-in SD cards. Every device is
 * detached after the suite, even when a test failed.
 */
import { open } from 'node:fs/promises';
import { randomFillSync } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { afterAll } from 'vitest';

export interface Card {
  device: string;
  backingFile: string;
  sizeBytes: number;
}

export async function fillRandom(path: string, sizeBytes: number): Promise<void> {
  const fh = await open(path, 'w');
  try {
    const chunk = Buffer.alloc(4 << 20);
    for (let off = 0; off < sizeBytes; off += chunk.length) {
      randomFillSync(chunk);
      await fh.write(chunk, 0, Math.min(chunk.length, sizeBytes - off), off);
    }
  } finally {
    await fh.close();
  }
}

/** A loop device over `backingFile`; the caller detaches it. */
export function attachLoop(backingFile: string, readOnly = false): string {
  return execFileSync('losetup', ['--find', '--show', ...(readOnly ? ['-r'] : []), backingFile], {
    encoding: 'utf8',
  }).trim();
}

export async function makeCard(
  backingFile: string,
  sizeBytes: number,
  opts: { readOnly?: boolean } = {},
): Promise<Card> {
  await fillRandom(backingFile, sizeBytes);
  const device = attachLoop(backingFile, opts.readOnly);
  afterAll(() => {
    try {
      execFileSync('losetup', ['-d', device]);
    } catch {
      /* already detached */
    }
  });
  return { device, backingFile, sizeBytes };
}
