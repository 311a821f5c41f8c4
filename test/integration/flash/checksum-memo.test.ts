/**
 * The memo of local images already hashed: a second flash of the same, unchanged file takes the
 * sha256 from the memo instead of reading the file; any change to the file, even one hidden by
 * setting its mtime back, makes it hashed again, and a mismatch still leaves the card untouched.
 */
import { execFileSync } from 'node:child_process';
import { open, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { flashImage as flashImageApi } from '../../../src/flash/flash-image.js';
import { parseMemo } from '../../../src/source/digest-memo.js';
import { testImage, type TestImage } from '../../helpers/test-image.js';
import { expectCardHoldsImage, sha256OfDevice } from './card-check.js';
import { flashFailure, flashOptions, flashSuite } from './suite.js';
import { describeNeeds } from '../../helpers/needs.js';
import { asCli } from '../../helpers/as-cli.js';

const flashImage = asCli(flashImageApi);

const MiB = 1 << 20;

describeNeeds({ root: true }, 'armada flash remembers the sha256 of images it hashed', () => {
  const suite = flashSuite('armada-flash-memo-');
  let dir: string;
  let image: TestImage;
  let memo: string;
  let img: string;

  beforeAll(async () => {
    dir = suite.dir();
    image = await testImage(join(dir, 'image'));
    const release = join(dir, 'release');
    img = join(release, 'pi.img');
    memo = join(dir, 'cache', 'verified-images.json');
    execFileSync('mkdir', ['-p', release]);
    execFileSync('cp', ['--sparse=always', image.img, image.bmap, release]);
    execFileSync('sh', ['-c', 'cd "$1" && sha256sum pi.img > SHA256SUMS', 'sh', release]);
  });

  it('hashes the image once, then takes its sha256 from the memo while the file is unchanged', async () => {
    const first = await suite.card('first.bin', 136 * MiB);
    const a = await flashImage(flashOptions(img, [first.device], { digestMemo: memo }));
    expect(a.checksum).toMatch(/SHA256SUMS$/);
    expect(a.checksumRemembered).toBeUndefined();
    const entries = parseMemo(await readFile(memo, 'utf8'));
    expect(entries).toMatchObject([{ path: img }]);
    const sums = await readFile(join(dir, 'release', 'SHA256SUMS'), 'utf8');
    expect(sums.startsWith(entries[0].sha256)).toBe(true);

    const second = await suite.card('second.bin', 136 * MiB);
    const b = await flashImage(flashOptions(img, [second.device], { digestMemo: memo }));
    expect(b.checksumRemembered).toBe(true);
    await expectCardHoldsImage(second.device, image, dir);
  });

  it('an image changed in place (its mtime set back) is hashed again: exit 3, card untouched', async () => {
    const before = await stat(img);
    const fh = await open(img, 'r+');
    // A byte of the partition table's boot code: the image still looks like a disk image.
    await fh.write(Buffer.from([0x5a]), 0, 1, 17);
    await fh.close();
    await utimes(img, before.atime, before.mtime);
    const card = await suite.card('changed.bin', 136 * MiB);
    const untouched = await sha256OfDevice(card.device);
    const result = await flashFailure(
      flashImage(flashOptions(img, [card.device], { digestMemo: memo })),
    );
    expect(result.code).toBe(3);
    expect(result.message).toMatch(/checksum mismatch for pi\.img: expected [0-9a-f]{64}, got/);
    expect(await sha256OfDevice(card.device)).toBe(untouched);
  });

  it('a memo that is no JSON is ignored and replaced', async () => {
    // The image as built again (the last test changed it), with its SHA256SUMS.
    execFileSync('cp', ['--sparse=always', image.img, img]);
    execFileSync('sh', [
      '-c',
      'cd "$1" && sha256sum pi.img > SHA256SUMS',
      'sh',
      join(dir, 'release'),
    ]);
    await writeFile(memo, '{ torn');
    const card = await suite.card('torn.bin', 136 * MiB);
    const result = await flashImage(flashOptions(img, [card.device], { digestMemo: memo }));
    expect(result.checksumRemembered).toBeUndefined();
    expect(parseMemo(await readFile(memo, 'utf8'))).toMatchObject([{ path: img }]);
    await expectCardHoldsImage(card.device, image, dir);
  });
});
