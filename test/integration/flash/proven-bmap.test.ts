/**
 * A release whose SHA256SUMS lists both the image and its bmap proves every byte before the first
 * write, so flash does not hash the bmap's ranges a second time while streaming; the read-back
 * still checks the card against the bmap. A bmap SHA256SUMS does not list is checked as it streams.
 */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { flashImage as flashImageApi } from '../../../src/flash/flash-image.js';
import { formatFlashResult } from '../../../src/cli/flash-result.js';
import { parseMemo } from '../../../src/source/digest-memo.js';
import { parseBmap } from '../../../src/bmap/parse.js';
import { serializeBmap } from '../../../src/bmap/serialize.js';
import { mappedBytes } from '../../../src/bmap/types.js';
import { testImage, type TestImage } from '../../helpers/test-image.js';
import { expectCardHoldsImage } from './card-check.js';
import { flashFailure, flashOptions, flashSuite } from './suite.js';
import { describeNeeds } from '../../helpers/needs.js';
import { asCli } from '../../helpers/as-cli.js';

const flashImage = asCli(flashImageApi);

const MiB = 1 << 20;

describeNeeds({ root: true }, 'armada flash of a release that SHA256SUMS proves whole', () => {
  const suite = flashSuite('armada-flash-proven-');
  let dir: string;
  let image: TestImage;
  let mapped: number;
  /** A directory holding pi.img.xz, pi.img.bmap and a SHA256SUMS over `listed`. */
  const release = (name: string, listed: string[]): string => {
    const d = join(dir, name);
    execFileSync('mkdir', ['-p', d]);
    execFileSync('cp', [image.xz, image.bmap, d]);
    execFileSync('sh', [
      '-c',
      'cd "$1" && shift && sha256sum "$@" > SHA256SUMS',
      'sh',
      d,
      ...listed,
    ]);
    return join(d, 'pi.img.xz');
  };

  /** The release's bmap made to contradict its image (last range), and listed in SHA256SUMS. */
  const contradictBmap = async (name: string): Promise<void> => {
    const bmap = join(dir, name, 'pi.img.bmap');
    const map = parseBmap(await readFile(bmap, 'utf8'));
    map.ranges.at(-1)!.checksum = 'f'.repeat(64);
    await writeFile(bmap, serializeBmap(map));
    execFileSync('sh', [
      '-c',
      'cd "$1" && sha256sum pi.img.xz pi.img.bmap > SHA256SUMS',
      'sh',
      join(dir, name),
    ]);
  };

  beforeAll(async () => {
    dir = suite.dir();
    image = await testImage(join(dir, 'image'));
    mapped = mappedBytes(parseBmap(await readFile(image.bmap, 'utf8')));
  });

  it('image and bmap both listed: no range hashed while streaming, the card holds the image', async () => {
    const xz = release('both', ['pi.img.xz', 'pi.img.bmap']);
    const card = await suite.card('both.bin', 136 * MiB);
    const result = await flashImage(flashOptions(xz, [card.device]));
    expect(result).toMatchObject({ bmapProven: true, rangesVerified: 0, verified: true });
    expect(result.checksum).toMatch(/both\/SHA256SUMS$/);
    expect(formatFlashResult(result)).toMatch(/mapped of .*; bmap proven with the image\)/);
    expect(result.cards[0].bytesWritten).toBeLessThanOrEqual(mapped * 1.02 + 2 * MiB);
    await expectCardHoldsImage(card.device, image, dir);
  });

  it('only the image listed: the bmap is checked range by range as it streams', async () => {
    const xz = release('image-only', ['pi.img.xz']);
    const card = await suite.card('image-only.bin', 136 * MiB);
    const result = await flashImage(flashOptions(xz, [card.device]));
    expect(result.bmapProven).toBeUndefined();
    expect(result.rangesVerified).toBeGreaterThan(0);
    await expectCardHoldsImage(card.device, image, dir);
  });

  it('--no-verify: without the read-back as a backstop, ranges are hashed as they stream', async () => {
    const xz = release('no-verify', ['pi.img.xz', 'pi.img.bmap']);
    const card = await suite.card('no-verify.bin', 136 * MiB);
    const result = await flashImage(flashOptions(xz, [card.device], { verify: false }));
    expect(result.bmapProven).toBe(true);
    expect(result.rangesVerified).toBeGreaterThan(0);
    await expectCardHoldsImage(card.device, image, dir);
  });

  it('a release whose listed bmap contradicts its image is still caught, by the read-back: exit 3', async () => {
    const xz = release('inconsistent', []);
    await contradictBmap('inconsistent');
    const card = await suite.card('inconsistent.bin', 136 * MiB);
    const failed = await flashFailure(flashImage(flashOptions(xz, [card.device])));
    expect(failed.code).toBe(3);
    expect(failed.message).toMatch(/verification failed: \/dev\/loop\d+ returned other bytes/);
  });

  it('a failed flash whose digest was remembered makes the next run hash the image again', async () => {
    const memo = join(dir, 'memo.json');
    const xz = release('remembered', ['pi.img.xz', 'pi.img.bmap']);
    const first = await suite.card('remembered-1.bin', 136 * MiB);
    await flashImage(flashOptions(xz, [first.device], { digestMemo: memo }));
    expect(parseMemo(await readFile(memo, 'utf8'))).toMatchObject([{ path: xz }]);
    // The same image (its memo entry still valid) now beside a bmap that contradicts it.
    await contradictBmap('remembered');
    const second = await suite.card('remembered-2.bin', 136 * MiB);
    const failed = await flashFailure(
      flashImage(flashOptions(xz, [second.device], { digestMemo: memo })),
    );
    expect(failed.code).toBe(3);
    expect(parseMemo(await readFile(memo, 'utf8'))).toEqual([]);
  });
});
