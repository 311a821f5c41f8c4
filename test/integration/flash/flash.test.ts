/**
 * flashImage end to end on loop devices filled with random bytes: every source format, with and
 * without bmap, one and three cards at once. Each card must hold a clean, complete image.
 */
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { flashImage as flashImageApi } from '../../../src/flash/flash-image.js';
import { setLogSinks } from '../../../src/log.js';
import { parseBmap } from '../../../src/bmap/parse.js';
import { mappedBytes } from '../../../src/bmap/types.js';
import { testImage, type TestImage } from '../../helpers/test-image.js';
import { expectCardHoldsImage, hasPartitionTable } from './card-check.js';
import { flashOptions, flashSuite } from './suite.js';
import { mkdir, readFile } from 'node:fs/promises';
import { execFileSync, spawnSync } from 'node:child_process';
import { describeNeeds } from '../../helpers/needs.js';
import { asCli } from '../../helpers/as-cli.js';

const flashImage = asCli(flashImageApi);

const MiB = 1 << 20;
const formats = ['img', 'xz', 'gz', 'zst', 'zip'] as const;

describeNeeds({ root: true }, 'armada flash onto loop-device cards', () => {
  const suite = flashSuite('armada-flash-');
  const makeCard = (file: string, size: number) => suite.card(file, size);
  let dir: string;
  let image: TestImage;
  let mapped: number;

  beforeAll(async () => {
    dir = suite.dir();
    image = await testImage(join(dir, 'image'));
    mapped = mappedBytes(parseBmap(await readFile(image.bmap, 'utf8')));
  });

  it('the test image is sparse enough for the bmap to matter', () => {
    expect(mapped).toBeLessThan(image.sizeBytes / 2);
    expect(mapped).toBeGreaterThan(10 * MiB);
  });

  it.each(formats)('writes .%s using the bmap it finds', async (format) => {
    const card = await makeCard(`bmap-${format}.bin`, 136 * MiB);
    const result = await flashImage(flashOptions(image[format], [card.device]));
    expect(result.bmap).toMatch(format === 'zip' ? /pi\.zip:pi\.img\.bmap$/ : /pi\.img\.bmap$/);
    expect(result.rangesVerified).toBeGreaterThan(0);
    expect(result.imageBytes).toBe(image.sizeBytes);
    expect(result.cards).toMatchObject([{ device: card.device, verified: true, seeded: false }]);
    // Mapped bytes, plus the zeroed and the final first MiB.
    expect(result.cards[0].bytesWritten).toBeLessThanOrEqual(mapped * 1.02 + 2 * MiB);
    await expectCardHoldsImage(card.device, image, dir);
  });

  it.each(formats)('writes every byte of .%s with --no-bmap', async (format) => {
    const card = await makeCard(`full-${format}.bin`, 136 * MiB);
    const result = await flashImage(
      flashOptions(image[format], [card.device], { bmap: { mode: 'none' } }),
    );
    expect(result.bmap).toBeUndefined();
    expect(result.cards[0].bytesWritten).toBeGreaterThanOrEqual(image.sizeBytes);
    await expectCardHoldsImage(card.device, image, dir);
  });

  it('writes three cards at once from one .img.xz stream', async () => {
    const cards = await Promise.all(
      [1, 2, 3].map((n) => makeCard(`multi-${n}.bin`, (136 + n) * MiB)),
    );
    const result = await flashImage(
      flashOptions(
        image.xz,
        cards.map((c) => c.device),
      ),
    );
    expect(result.cards.map((c) => c.device)).toEqual(cards.map((c) => c.device));
    for (const card of cards) await expectCardHoldsImage(card.device, image, dir);
  });

  it('writes three cards at once from a .img without bmap', async () => {
    const cards = await Promise.all(
      [1, 2, 3].map((n) => makeCard(`multi-full-${n}.bin`, 136 * MiB)),
    );
    await flashImage(
      flashOptions(
        image.img,
        cards.map((c) => c.device),
        { bmap: { mode: 'none' } },
      ),
    );
    for (const card of cards) await expectCardHoldsImage(card.device, image, dir);
  });

  it('takes a bmap given with --bmap and skips the read-back with --no-verify', async () => {
    const card = await makeCard('explicit.bin', 136 * MiB);
    const result = await flashImage(
      flashOptions(image.zst, [card.device], {
        bmap: { mode: 'file', path: image.bmap },
        verify: false,
      }),
    );
    expect(result.bmap).toBe(image.bmap);
    expect(result.cards[0].verified).toBe(false);
    await expectCardHoldsImage(card.device, image, dir);
  });

  it('calls the seed hook: prepare before writing, write after each card is complete', async () => {
    const cards = await Promise.all([1, 2].map((n) => makeCard(`seed-${n}.bin`, 136 * MiB)));
    const calls: string[] = [];
    const result = await flashImage(
      flashOptions(
        image.xz,
        cards.map((c) => c.device),
        {
          seed: {
            prepare: (count) => {
              calls.push(`prepare ${count}`);
              return Promise.resolve(['a', 'b']);
            },
            write: async (device, index, prepared) => {
              // The image is complete and has its partition table when the seed is written.
              calls.push(
                `write ${device} ${index} ${String(prepared)} ${await hasPartitionTable(device)}`,
              );
            },
          },
        },
      ),
    );
    expect(calls[0]).toBe('prepare 2');
    expect(calls.slice(1).sort()).toEqual(
      [`write ${cards[0].device} 0 a true`, `write ${cards[1].device} 1 b true`].sort(),
    );
    expect(result.cards.every((c) => c.seeded)).toBe(true);
  });

  it('unmounts a card that is mounted, then writes it', async () => {
    const card = await makeCard('mounted.bin', 136 * MiB);
    execFileSync('mkfs.ext4', ['-q', '-F', card.device]);
    const mountpoint = join(dir, 'mounted');
    await mkdir(mountpoint);
    execFileSync('mount', [card.device, mountpoint]);
    const mounted = () => spawnSync('findmnt', ['-n', mountpoint]).status === 0;
    expect(mounted()).toBe(true);
    const said: string[] = [];
    setLogSinks(
      (line) => said.push(line),
      () => undefined,
    );
    try {
      await flashImage(flashOptions(image.xz, [card.device]));
      expect(mounted()).toBe(false);
      expect(said).toContain(`unmounted ${mountpoint} (on ${card.device})`);
    } finally {
      setLogSinks(
        (line) => process.stderr.write(`${line}\n`),
        (text) => process.stdout.write(text),
      );
      if (mounted()) execFileSync('umount', [mountpoint]);
    }
    await expectCardHoldsImage(card.device, image, dir);
  });
});
