/**
 * `armada verify <image> <card>` as people run it (the built CLI) on loop-device cards over random
 * bytes: equal after a flash, the mapped ranges only with a bmap, every byte without; the first
 * differing byte and its partition when the card differs; nothing written either way.
 */
import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { testImage, type TestImage } from '../../helpers/test-image.js';
import { armada, buildCli } from '../../helpers/cli.js';
import { describeNeeds } from '../../helpers/needs.js';
import { flashCli, flashSuite } from './suite.js';

const MiB = 1 << 20;

async function flip(backingFile: string, offset: number): Promise<void> {
  const fh = await open(backingFile, 'r+');
  try {
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, offset);
    await fh.write(Buffer.from([b[0] ^ 0xff]), 0, 1, offset);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

const sha = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

describeNeeds({ root: true }, 'armada verify', () => {
  const suite = flashSuite('armada-verify-cmd-');
  let image: TestImage;

  beforeAll(async () => {
    image = await testImage(join(suite.dir(), 'image'));
    await buildCli();
  });

  it('a flashed card holds the image; a byte changed behind its back is found, with its partition', async () => {
    const card = await suite.card('verify.bin', 136 * MiB);
    const flashed = await flashCli(image.xz, [card.device], ['--no-seed', '--json']);
    expect(flashed.code, flashed.stderr).toBe(0);

    const before = await sha(card.backingFile);
    const r = await armada(['verify', image.xz, card.device, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { comparedBytes: number };
    expect(doc).toMatchObject({ ok: true, command: 'verify', equal: true, bmap: image.bmap });
    // With the bmap only the mapped ranges are read: less than the image.
    expect(doc.comparedBytes).toBeGreaterThan(0);
    expect(doc.comparedBytes).toBeLessThan(image.sizeBytes);
    // Every byte: the gap before partition 1 was never written (unmapped), and still holds noise.
    const all = await armada(['verify', image.img, card.device, '--no-bmap']);
    expect(all.code).toBe(3);
    expect(all.stderr).toMatch(
      /at byte 1048576 .*outside the partitions, where a flash guided by a \.bmap writes nothing/,
    );
    const whole = await suite.card('verify-whole.bin', 136 * MiB);
    expect((await flashCli(image.img, [whole.device], ['--no-seed', '--no-bmap'])).code).toBe(0);
    const every = await armada(['verify', image.img, whole.device, '--no-bmap']);
    expect(every.code, every.stderr).toBe(0);
    expect(every.stdout).toMatch(/holds .*pi\.img: all 134\.2 MB of the image are equal/);
    expect(await sha(card.backingFile)).toBe(before);

    // A byte of the root file system's first block (always mapped: the superblock is there).
    const at = image.root.offsetBytes + 1024 + 7;
    await flip(card.backingFile, at);
    const bad = await armada(['verify', image.zst, card.device]);
    expect(bad.code).toBe(3);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain(`differs from ${image.zst} at byte ${at} `);
    expect(bad.stderr).toMatch(/in partition 2;/);
  });

  it('a seeded card differs in the boot partition, and says why', async () => {
    const card = await suite.card('verify-seeded.bin', 136 * MiB);
    const home = join(suite.dir(), 'home');
    const flashed = await flashCli(image.img, [card.device], ['--hostname', 'pi-v'], {
      env: { HOME: home, ARMADA_CONFIG_DIR: join(home, 'config') },
    });
    expect(flashed.code, flashed.stderr).toBe(0);
    const r = await armada(['verify', image.img, card.device, '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      equal: false,
      difference: { partition: 1 },
      error: { message: expect.stringMatching(/seeded card differs in it/) as unknown },
    });
  });

  it('a card smaller than the image ends the comparison where it ends', async () => {
    const small = await suite.card('verify-small.bin', 32 * MiB);
    const r = await armada(['verify', image.img, small.device, '--no-bmap', '--json']);
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout) as { difference: { offset: number } };
    expect(doc.difference.offset).toBeLessThanOrEqual(32 * MiB);
  });
});
