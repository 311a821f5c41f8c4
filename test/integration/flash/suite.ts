/**
 * Per-suite resources for flash tests, registered at describe level so they are released even
 * when a test fails (vitest runs no hooks registered from inside a test or a beforeAll): a temp
 * dir, loop-device cards over random bytes, tmpfs mounts.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { attachLoop, fillRandom, type Card } from '../../helpers/loop.js';
import type { FlashOptions } from '../../../src/flash/flash-image.js';
import { exitCodeOf, formatError } from '../../../src/errors.js';
import { armada, type CliResult } from '../../helpers/cli.js';

export interface FlashSuite {
  dir(): string;
  /** A loop device over `sizeBytes` random bytes. */
  card(name: string, sizeBytes: number, opts?: { readOnly?: boolean }): Promise<Card>;
  /**
   * A card that fails mid-write: a loop device over a sparse file on a tmpfs of `spaceBytes`,
   * so writes past that much data end in I/O errors.
   */
  failingCard(name: string, sizeBytes: number, spaceBytes: number): Promise<Card>;
}

export function flashSuite(prefix: string): FlashSuite {
  let dir = '';
  const devices: string[] = [];
  const mounts: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(process.env.ARMADA_TEST_TMP ?? tmpdir(), prefix));
  });
  afterAll(async () => {
    for (const device of devices.splice(0)) {
      try {
        execFileSync('losetup', ['-d', device]);
      } catch {
        /* already detached */
      }
    }
    for (const m of mounts.splice(0)) {
      try {
        // Lazy: a just-detached loop device may still hold its backing file for a moment.
        execFileSync('umount', ['-l', m]);
      } catch {
        /* not mounted */
      }
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const attach = (file: string, readOnly = false) => {
    const device = attachLoop(file, readOnly);
    devices.push(device);
    return device;
  };
  return {
    dir: () => dir,
    async card(name, sizeBytes, opts = {}) {
      const backingFile = join(dir, name);
      await fillRandom(backingFile, sizeBytes);
      return { device: attach(backingFile, opts.readOnly), backingFile, sizeBytes };
    },
    async failingCard(name, sizeBytes, spaceBytes) {
      const mountpoint = join(dir, `${name}-tmpfs`);
      await mkdir(mountpoint);
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${spaceBytes}`, 'tmpfs', mountpoint]);
      mounts.push(mountpoint);
      const backingFile = join(mountpoint, name);
      await writeFile(backingFile, '');
      await truncate(backingFile, sizeBytes);
      return { device: attach(backingFile), backingFile, sizeBytes };
    },
  };
}

/** Options for a non-interactive, silent flash onto loop devices. */
export function flashOptions(
  image: string,
  devices: string[],
  extra: Partial<FlashOptions> = {},
): FlashOptions {
  return {
    image,
    devices,
    yes: true,
    verify: true,
    bmap: { mode: 'discover' },
    allowVirtual: true,
    allowLarge: false,
    // Every test hashes its image afresh; checksum-memo.test.ts tests the memo with its own file.
    digestMemo: false,
    ...extra,
  };
}

/** The exit code and printed message of a call that must fail. */
export async function flashFailure(
  promise: Promise<unknown>,
): Promise<{ code: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    return { code: exitCodeOf(error), message: formatError(error, false) };
  }
  throw new Error('flash succeeded but should have failed');
}

/** `armada flash IMAGE DEVICE… --yes --allow-virtual FLAGS…` as people run it (the CLI in dist/). */
export function flashCli(
  image: string,
  devices: readonly string[],
  flags: readonly string[] = [],
  opts: Parameters<typeof armada>[1] = {},
): Promise<CliResult> {
  return armada(['flash', image, ...devices, '--yes', '--allow-virtual', ...flags], opts);
}
