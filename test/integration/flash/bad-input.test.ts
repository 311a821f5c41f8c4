/**
 * Bad images, bad bmaps and bad cards: a clear one-line error, the right exit code, and the card
 * untouched whenever the problem can be seen before writing (its bytes hash the same after).
 * Problems only visible while writing must leave a card without a partition table.
 */
import { execFileSync } from 'node:child_process';
import { constants } from 'node:fs';
import { copyFile, open, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { flashImage as flashImageApi } from '../../../src/flash/flash-image.js';
import { parseBmap } from '../../../src/bmap/parse.js';
import { serializeBmap } from '../../../src/bmap/serialize.js';
import { fillRandom } from '../../helpers/loop.js';
import { testImage, type TestImage } from '../../helpers/test-image.js';
import { expectCardHoldsImage, hasPartitionTable, sha256OfDevice } from './card-check.js';
import { flashFailure, flashOptions, flashSuite } from './suite.js';
import { describeNeeds } from '../../helpers/needs.js';
import { asCli } from '../../helpers/as-cli.js';

const flashImage = asCli(flashImageApi);

const MiB = 1 << 20;

const failure = flashFailure;

describeNeeds({ root: true }, 'armada flash refuses and fails cleanly', () => {
  const suite = flashSuite('armada-flash-bad-');
  let dir: string;
  let image: TestImage;

  beforeAll(async () => {
    dir = suite.dir();
    image = await testImage(join(dir, 'image'));
  });

  /** Flash must fail with `code` and `pattern`, and the card must be exactly as before. */
  async function expectUntouched(
    file: string,
    opts: Parameters<typeof flashOptions>[2],
    code: number,
    pattern: RegExp,
    cardBytes = 136 * MiB,
    readOnly = false,
  ) {
    const card = await suite.card(
      `untouched-${Math.random().toString(36).slice(2)}.bin`,
      cardBytes,
      { readOnly },
    );
    const before = await sha256OfDevice(card.device);
    const result = await failure(flashImage(flashOptions(file, [card.device], opts)));
    expect(result.message).toMatch(pattern);
    expect(result.message.split('\n')[0].length).toBeLessThan(400);
    expect(result.code).toBe(code);
    expect(await sha256OfDevice(card.device)).toBe(before);
  }

  it('a corrupt .zip (no central directory): exit 1, card untouched', async () => {
    const zip = join(dir, 'broken.zip');
    await copyFile(image.zip, zip);
    const { size } = await open(zip, 'r').then(async (fh) => {
      const s = await fh.stat();
      await fh.close();
      return s;
    });
    await truncate(zip, size - 300);
    await expectUntouched(
      zip,
      {},
      1,
      /broken\.zip is not a readable zip archive.*download it again/,
    );
  });

  it('a local image that does not match the SHA256SUMS next to it: exit 3, card untouched', async () => {
    const sub = join(dir, 'sums');
    execFileSync('mkdir', ['-p', sub]);
    const img = join(sub, 'pi.img');
    execFileSync('cp', ['--sparse=always', image.img, img]);
    await writeFile(join(sub, 'SHA256SUMS'), `${'1'.repeat(64)}  pi.img\n`);
    await expectUntouched(
      img,
      {},
      3,
      /checksum mismatch for pi\.img: expected 1{64}, got [0-9a-f]{64}.*SHA256SUMS/,
    );
  });

  it('--sha256 that is not 64 hex digits: exit 2, card untouched', async () => {
    await expectUntouched(
      image.img,
      { checksum: { sha256: 'abc' } },
      2,
      /--sha256 needs 64 hex digits/,
    );
  });

  it('a bmap whose file checksum does not match: exit 3, card untouched', async () => {
    const img = join(dir, 'edited.img');
    await copyFile(image.img, img);
    const text = await readFile(image.bmap, 'utf8');
    const first = /chksum="([0-9a-f]{64})"/.exec(text)![1];
    await writeFile(
      `${img}.bmap`,
      text.replace(
        first,
        first.replace(/^./, (c) => (c === '0' ? '1' : '0')),
      ),
    );
    await expectUntouched(img, {}, 3, /checksum mismatch for .*edited\.img\.bmap.*--no-bmap/);
  });

  it('an image bigger than the card: exit 1, card untouched', async () => {
    await expectUntouched(
      image.xz,
      {},
      1,
      /smaller than the image \(67\.1 MB < 134\.2 MB\); use a bigger card/,
      64 * MiB,
    );
  });

  it('a read-only card (losetup -r): exit 1, card untouched', async () => {
    await expectUntouched(image.img, {}, 1, /read-only/, 136 * MiB, true);
  });

  it('a loop device without --allow-virtual: exit 1, card untouched', async () => {
    await expectUntouched(
      image.img,
      { allowVirtual: false },
      1,
      /virtual device \(loop\); pass --allow-virtual/,
    );
  });

  it('no --yes without a terminal: exit 2, card untouched', async () => {
    await expectUntouched(image.img, { yes: false }, 2, /pass --yes to confirm erasing/);
  });

  it('a busy card (claimed exclusively elsewhere): exit 1, card untouched', async () => {
    const card = await suite.card('busy.bin', 136 * MiB);
    const before = await sha256OfDevice(card.device);
    const claim = await open(card.device, constants.O_RDONLY | constants.O_EXCL);
    try {
      const result = await failure(flashImage(flashOptions(image.img, [card.device])));
      expect(result.message).toMatch(/is busy; unmount its partitions/);
      expect(result.code).toBe(1);
    } finally {
      await claim.close();
    }
    expect(await sha256OfDevice(card.device)).toBe(before);
  });

  it('no card named and no terminal: exit 2', async () => {
    const result = await failure(flashImage(flashOptions(image.img, [])));
    expect(result).toMatchObject({
      code: 2,
      message: expect.stringMatching(/name the card to write/),
    });
  });

  it('a drive that does not exist: exit 1', async () => {
    const result = await failure(flashImage(flashOptions(image.img, ['/dev/nonexistent-card'])));
    expect(result).toMatchObject({
      code: 1,
      message: expect.stringMatching(/no such drive; 'armada drives' lists/),
    });
  });

  it('a truncated .xz: exit 1, card untouched (xz --list sees the missing index at once)', async () => {
    const xz = join(dir, 'cut.img.xz');
    const data = await readFile(image.xz);
    await writeFile(xz, data.subarray(0, Math.floor(data.length * 0.6)));
    await expectUntouched(
      xz,
      {},
      1,
      /cut\.img\.xz is truncated or corrupt \(.*\); download it again/,
    );
  });

  it('a file of random bytes: exit 1, card untouched, even with no seed and no bmap', async () => {
    const random = join(dir, 'random.bin');
    await fillRandom(random, 4 * MiB);
    await expectUntouched(
      random,
      { bmap: { mode: 'none' } },
      1,
      /random\.bin is not a disk image: its first MiB holds no partition table .*nothing was written/,
    );
  });

  it('a valid .xz of three bytes: exit 1, card untouched', async () => {
    const tiny = join(dir, 'tiny.img.xz');
    execFileSync('sh', ['-c', 'printf abc | xz -c > "$1"', 'sh', tiny]);
    await expectUntouched(tiny, { bmap: { mode: 'none' } }, 1, /tiny\.img\.xz is not a disk image/);
  });

  it('an ftp:// image: exit 2 (usage), card untouched', async () => {
    await expectUntouched(
      'ftp://example.org/pi.img.xz',
      {},
      2,
      /ftp:\/\/ images are not supported/,
    );
  });

  it('image data that does not match the bmap range checksums: exit 3 before the partition table', async () => {
    const img = join(dir, 'mismatch.img');
    await copyFile(image.img, img);
    const map = parseBmap(await readFile(image.bmap, 'utf8'));
    const last = map.ranges.at(-1)!;
    last.checksum = 'f'.repeat(64);
    // A well-formed bmap (valid file checksum) whose last range does not match the image.
    await writeFile(`${img}.bmap`, serializeBmap(map));
    const card = await suite.card('mismatch.bin', 136 * MiB);
    const result = await failure(flashImage(flashOptions(img, [card.device])));
    expect(result.message).toMatch(
      /checksum mismatch for blocks \d+-\d+ of the image .*download it again or use --no-bmap/,
    );
    expect(result.code).toBe(3);
    expect(await hasPartitionTable(card.device)).toBe(false);
  });

  it('a stream that turns out bigger than the card (size unknown up front): exit 1, no partition table', async () => {
    const card = await suite.card('small.bin', 64 * MiB);
    const result = await failure(
      flashImage(flashOptions(image.gz, [card.device], { bmap: { mode: 'none' } })),
    );
    expect(result.message).toMatch(/the image is bigger than \/dev\/loop\d+ \(67\.1 MB\)/);
    expect(result.code).toBe(1);
    expect(await hasPartitionTable(card.device)).toBe(false);
  });

  it('a card failing mid-write (I/O errors): exit 1 with a hint, no partition table', async () => {
    const card = await suite.failingCard('failing.bin', 136 * MiB, 8 * MiB);
    const result = await failure(flashImage(flashOptions(image.img, [card.device])));
    expect(result.message).toMatch(
      /cannot (write|flush) \/dev\/loop\d+.*; the card or its reader failed; remove the card and try another card or reader \(test this one with f3 or h2testw\)/,
    );
    expect(result.code).toBe(1);
  });

  it('one failing card does not stop the others', async () => {
    const bad = await suite.failingCard('failing-2.bin', 136 * MiB, 8 * MiB);
    const good = await suite.card('good.bin', 136 * MiB);
    const result = await failure(flashImage(flashOptions(image.xz, [bad.device, good.device])));
    expect(result.message).toMatch(new RegExp(`${bad.device}`));
    expect(result.code).toBe(1);
    await expectCardHoldsImage(good.device, image, dir);
  });
});
