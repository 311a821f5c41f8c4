/**
 * Which card flash writes, checked on real loop devices: a filesystem mounted through a loop
 * device stacked on the card, a card swapped between the check and the open, and what the
 * Linux drive listing loads.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { flashImage as flashImageApi } from '../../../src/flash/flash-image.js';
import { linux } from '../../../src/flash/platform/linux.js';
import { fillRandom } from '../../helpers/loop.js';
import { describeNeeds } from '../../helpers/needs.js';
import { testImage, type TestImage } from '../../helpers/test-image.js';
import { sha256OfDevice } from './card-check.js';
import { flashFailure, flashOptions, flashSuite } from './suite.js';
import { asCli } from '../../helpers/as-cli.js';

const flashImage = asCli(flashImageApi);

const MiB = 1 << 20;

const failure = flashFailure;

describeNeeds({ root: true }, 'armada flash: the card it checked is the card it writes', () => {
  const suite = flashSuite('armada-flash-targets-');
  let image: TestImage;

  beforeAll(async () => {
    image = await testImage(join(suite.dir(), 'image'));
  });

  it('refuses a card whose stacked loop device is mounted (exit 1, card untouched)', async () => {
    const card = await suite.card('stacked.bin', 136 * MiB);
    const stacked = execFileSync('losetup', ['--find', '--show', card.device], {
      encoding: 'utf8',
    }).trim();
    const mountpoint = join(suite.dir(), 'stacked-mnt');
    await mkdir(mountpoint);
    try {
      execFileSync('mkfs.ext4', ['-q', '-F', stacked]);
      execFileSync('mount', [stacked, mountpoint]);
      const result = await failure(flashImage(flashOptions(image.img, [card.device])));
      expect(result.code).toBe(1);
      expect(result.message).toContain(
        `${card.device} refused: it is in use: ${stacked} (stacked on it) is mounted at ${mountpoint}`,
      );
      // The mounted filesystem writes to the card itself (journal commits): untouched by flash
      // means it is still that filesystem, its superblock not zeroed and no image written.
      expect(
        execFileSync('blkid', ['-p', '-o', 'value', '-s', 'TYPE', card.device], {
          encoding: 'utf8',
        }).trim(),
      ).toBe('ext4');
    } finally {
      spawnSync('umount', [mountpoint]);
      spawnSync('losetup', ['-d', stacked]);
    }
  });

  it('refuses a card swapped between the check and the open (exit 1, new card untouched)', async () => {
    const card = await suite.card('swap-a.bin', 136 * MiB);
    const other = join(suite.dir(), 'swap-b.bin');
    await fillRandom(other, 140 * MiB);
    // Unmounting is the last step between the check and the open: swap the medium there.
    const swapping = {
      ...linux,
      unmount: async () => {
        execFileSync('losetup', ['-d', card.device]);
        for (let i = 0; ; i++) {
          const r = spawnSync('losetup', [card.device, other]);
          if (r.status === 0) break;
          if (i > 50) throw new Error(`cannot reattach ${card.device}: ${String(r.stderr)}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      },
    };
    const result = await failure(
      flashImage(flashOptions(image.img, [card.device], { platform: swapping })),
    );
    expect(result.code).toBe(1);
    expect(result.message).toMatch(
      new RegExp(
        `${card.device} changed after it was checked \\(its size is now 146\\.8 MB, was 142\\.6 MB\\); was the card swapped\\? Nothing was written`,
      ),
    );
    const now = execFileSync('losetup', ['-n', '-O', 'BACK-FILE', card.device], {
      encoding: 'utf8',
    }).trim();
    expect(now).toBe(other);
    expect(await sha256OfDevice(card.device)).toBe(
      execFileSync('sha256sum', [other], { encoding: 'utf8' }).split(' ')[0],
    );
  });

  it('lists drives on Linux without loading drivelist (a native add-on)', async () => {
    const drives = await linux.listDrives();
    expect(drives.length).toBeGreaterThan(0);
    const maps = await readFile('/proc/self/maps', 'utf8');
    expect(maps).not.toMatch(/drivelist/);
  });
});
