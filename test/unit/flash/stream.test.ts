/**
 * The stream reader and the range checker on in-memory streams: holes skipped, pieces of any
 * size placed right, truncation and checksum mismatches caught.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  BufferPool,
  produceFromStream,
  TruncatedImageError,
  type Chunk,
} from '../../../src/flash/chunks.js';
import { planWindows } from '../../../src/flash/plan.js';
import { RangeChecker } from '../../../src/flash/range-check.js';
import type { Bmap } from '../../../src/bmap/types.js';
import { ChecksumMismatchError } from '../../../src/errors.js';

const K = 1024;

/** The stream in pieces of awkward sizes. */
function pieces(data: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) parts.push(data.subarray(i, i + size));
  return Readable.from(parts);
}

async function collect(
  data: Buffer,
  ranges: { start: number; end: number }[] | undefined,
  pieceSize: number,
  expectedSize?: number,
) {
  const pool = new BufferPool(2, 16 * K);
  const image = Buffer.alloc(data.length + 64 * K, 0xee);
  const chunks: Chunk[] = [];
  const result = await produceFromStream(
    pieces(data, pieceSize),
    'test.img',
    planWindows(ranges, 16 * K, expectedSize),
    pool,
    (chunk) => {
      chunks.push({ ...chunk, segments: [...chunk.segments] });
      for (const s of chunk.segments)
        chunk.buf.copy(image, s.start, s.start - chunk.offset, s.end - chunk.offset);
      pool.release(chunk.buf);
    },
    { ...(expectedSize === undefined ? {} : { expectedSize }), stopAfterLastWindow: false },
  );
  return { image, chunks, result };
}

describe('produceFromStream', () => {
  const data = randomBytes(100 * K + 7);

  it.each([1, 4095, 65536, 200 * K])(
    'copies every byte in pieces of %i bytes (no bmap, no size)',
    async (size) => {
      const { image, result } = await collect(data, undefined, size);
      expect(result.bytesRead).toBe(data.length);
      expect(image.subarray(0, data.length).equals(data)).toBe(true);
    },
  );

  it('places mapped ranges and leaves holes alone', async () => {
    const ranges = [
      { start: 0, end: 4 * K },
      { start: 30 * K, end: 70 * K },
      { start: 99 * K, end: 100 * K + 7 },
    ];
    const { image, chunks } = await collect(data, ranges, 3000, data.length);
    for (const r of ranges)
      expect(image.subarray(r.start, r.end).equals(data.subarray(r.start, r.end))).toBe(true);
    expect(image.subarray(4 * K, 30 * K).every((b) => b === 0xee)).toBe(true);
    expect(chunks.map((c) => c.offset)).toEqual([0, 16 * K, 32 * K, 48 * K, 64 * K, 96 * K]);
  });

  it('says the image is truncated when the stream ends early', async () => {
    await expect(
      collect(data.subarray(0, 50 * K), [{ start: 0, end: 80 * K }], 4096, 100 * K),
    ).rejects.toThrow(TruncatedImageError);
    await expect(collect(data.subarray(0, 50 * K), undefined, 4096, 100 * K)).rejects.toThrow(
      /ended after 51200 bytes but the image is 102400 bytes/,
    );
  });
});

describe('RangeChecker', () => {
  const blockSize = 4 * K;
  const data = randomBytes(64 * K);
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const map = (checksums: string[]): Bmap => ({
    version: '2.0',
    imageSize: data.length,
    blockSize,
    blocksCount: 16,
    mappedBlocksCount: 9,
    checksumType: 'sha256',
    ranges: [
      { first: 0, last: 0, checksum: checksums[0] },
      { first: 1, last: 5, checksum: checksums[1] },
      { first: 13, last: 15, checksum: checksums[2] },
    ],
  });
  const good = [
    sha(data.subarray(0, 4 * K)),
    sha(data.subarray(4 * K, 24 * K)),
    sha(data.subarray(52 * K, 64 * K)),
  ];

  async function check(m: Bmap, pieceSize: number) {
    const checker = new RangeChecker(m, 'x.bmap');
    const pool = new BufferPool(2, 16 * K);
    const ranges = m.ranges.map((r) => ({
      start: r.first * blockSize,
      end: (r.last + 1) * blockSize,
    }));
    await produceFromStream(
      pieces(data, pieceSize),
      'x.img',
      planWindows(ranges, 16 * K, data.length),
      pool,
      (chunk) => {
        try {
          checker.consume(chunk);
        } finally {
          pool.release(chunk.buf);
        }
      },
      { expectedSize: data.length, stopAfterLastWindow: true },
    );
    return checker;
  }

  it('accepts matching ranges, even when touching ranges share a segment', async () => {
    const checker = await check(map(good), 5000);
    expect(checker.verified).toBe(3);
    expect(checker.complete).toBe(true);
  });

  it('stops at the first range that does not match', async () => {
    const bad = [good[0], 'a'.repeat(64), good[2]];
    await expect(check(map(bad), 5000)).rejects.toThrow(ChecksumMismatchError);
    await expect(check(map(bad), 5000)).rejects.toThrow(/blocks 1-5 of the image \(per x\.bmap\)/);
  });
});
