/**
 * The writer (O_DIRECT where possible, cached otherwise) and the read-back that must catch a card
 * returning other bytes than were written, as a fake or failing card does.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import { flashImage as flashImageApi } from '../../../src/flash/flash-image.js';
import { exitCodeOf, formatError } from '../../../src/errors.js';
import { alignedBuffers } from '../../../src/flash/aligned.js';
import { linux } from '../../../src/flash/platform/linux.js';
import { digestSegments, readBack, VerifyMismatchError } from '../../../src/flash/readback.js';
import { DeviceWriter } from '../../../src/flash/writer.js';
import { testImage, type TestImage } from '../../helpers/test-image.js';
import { hasPartitionTable } from './card-check.js';
import { flashOptions, flashSuite } from './suite.js';
import { describeNeeds } from '../../helpers/needs.js';
import { asCli } from '../../helpers/as-cli.js';

const flashImage = asCli(flashImageApi);

const MiB = 1 << 20;
const writerOptions = { syncEveryBytes: 64 * MiB, maxInFlight: 4, exclusive: true, direct: true };

/** Overwrite bytes of a loop device's backing file behind the device's back. */
async function corrupt(backingFile: string, offset: number, length: number): Promise<void> {
  const fh = await open(backingFile, 'r+');
  try {
    await fh.write(randomBytes(length), 0, length, offset);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

describeNeeds({ root: true }, 'writer and read-back', () => {
  const suite = flashSuite('armada-verify-');
  let image: TestImage;

  beforeAll(async () => {
    image = await testImage(join(suite.dir(), 'image'));
  });

  it('writes aligned pieces with O_DIRECT and odd ones through the cache, all of them right', async () => {
    const card = await suite.card('writer.bin', 16 * MiB);
    const writer = await DeviceWriter.open(card.device, card.device, card.sizeBytes, writerOptions);
    expect(writer.direct).toBe(true);
    const [buf] = alignedBuffers(1, 4 * MiB);
    buf.set(randomBytes(4 * MiB));
    // Aligned; odd start and length (cached path); the image's unaligned tail (padded with zeros).
    const segments = [
      { start: 4 * MiB, end: 5 * MiB },
      { start: 5 * MiB + 100, end: 6 * MiB + 3 },
      { start: 7 * MiB, end: 8 * MiB - 1000 },
    ];
    await writer.write({ offset: 4 * MiB, buf: buf, segments });
    await writer.finish();
    await writer.close();
    const records = segments.map((s) => ({
      segments: [s],
      sha256: digestSegments(buf, 4 * MiB, [s]),
    }));
    await readBack(card.device, card.device, records);
    const onCard = await readFile(card.backingFile);
    for (const s of segments)
      expect(
        onCard.subarray(s.start, s.end).equals(buf.subarray(s.start - 4 * MiB, s.end - 4 * MiB)),
      ).toBe(true);
    expect(onCard.subarray(8 * MiB - 1000, 8 * MiB).every((b) => b === 0)).toBe(true);
  });

  it('falls back to cached writes where O_DIRECT is refused (a file on ramfs)', async () => {
    const mountpoint = join(suite.dir(), 'ramfs');
    await mkdir(mountpoint);
    execFileSync('mount', ['-t', 'ramfs', 'ramfs', mountpoint]);
    try {
      const file = join(mountpoint, 'card.bin');
      await writeFile(file, Buffer.alloc(8 * MiB));
      const writer = await DeviceWriter.open(file, file, 8 * MiB, {
        ...writerOptions,
        exclusive: false,
      });
      expect(writer.direct).toBe(false);
      const [buf] = alignedBuffers(1, MiB);
      buf.fill(7);
      await writer.write({ offset: 0, buf: buf, segments: [{ start: 0, end: MiB }] });
      await writer.finish();
      await writer.close();
      await readBack(file, file, [
        {
          segments: [{ start: 0, end: MiB }],
          sha256: digestSegments(buf, 0, [{ start: 0, end: MiB }]),
        },
      ]);
      expect((await readFile(file)).subarray(0, MiB).every((b) => b === 7)).toBe(true);
    } finally {
      execFileSync('umount', ['-l', mountpoint]);
    }
  });

  it('read-back notices bytes that changed on the card', async () => {
    const card = await suite.card('changed.bin', 8 * MiB);
    const data = await readFile(card.backingFile);
    const segments = [{ start: MiB, end: 5 * MiB }];
    const record = { segments, sha256: digestSegments(data, 0, segments) };
    await readBack(card.device, card.device, [record]);
    await corrupt(card.backingFile, 3 * MiB, 512);
    execFileSync('blockdev', ['--flushbufs', card.device]);
    await expect(readBack(card.device, card.device, [record])).rejects.toThrow(VerifyMismatchError);
  });

  it('a card that returns other bytes fails the flash with exit 3, a card-test hint and no partition table', async () => {
    const card = await suite.card('fake.bin', 136 * MiB);
    // The image is on the card when the page cache is dropped for the read-back: spoil it then.
    const platform = {
      ...linux,
      dropCache: async (drive: Parameters<typeof linux.dropCache>[0]) => {
        if (drive.device === card.device)
          await corrupt(card.backingFile, image.root.offsetBytes + 8 * MiB, 4096);
        await linux.dropCache(drive);
      },
    };
    const error = await flashImage(
      flashOptions(image.img, [card.device], { platform, bmap: { mode: 'none' } }),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, 'flash succeeded on a card that changed its data').toBeDefined();
    expect(exitCodeOf(error)).toBe(3);
    expect(formatError(error, false)).toMatch(
      /verification failed: \/dev\/loop\d+ returned other bytes .*f3.*h2testw/,
    );
    expect(await hasPartitionTable(card.device)).toBe(false);
  });
});
