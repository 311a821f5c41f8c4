import { describe, expect, it } from 'vitest';
import {
  intersectSegments,
  planReadBack,
  planWindows,
  plannedBytes,
  readSpans,
  segmentBytes,
  splitAt,
} from '../../../src/flash/plan.js';
import {
  bmapCandidates,
  decompressCommand,
  detectFormat,
  parseSizeOutput,
  sizeCommand,
} from '../../../src/source/detect.js';
import { formatDuration, formatProgress } from '../../../src/flash/progress.js';
import { readFileSync } from 'node:fs';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/flash/${name}`, import.meta.url), 'utf8');
const K = 1024;

describe('planWindows', () => {
  it('cuts a whole image of known size into aligned windows, the last one short', () => {
    expect([...planWindows(undefined, 4 * K, 10 * K)]).toEqual([
      { offset: 0, segments: [{ start: 0, end: 4 * K }] },
      { offset: 4 * K, segments: [{ start: 4 * K, end: 8 * K }] },
      { offset: 8 * K, segments: [{ start: 8 * K, end: 10 * K }] },
    ]);
  });

  it('goes on without a size (the stream decides where it ends)', () => {
    const it = planWindows(undefined, 4 * K);
    for (let i = 0; i < 1000; i++)
      expect(it.next().value).toEqual({
        offset: i * 4 * K,
        segments: [{ start: i * 4 * K, end: (i + 1) * 4 * K }],
      });
  });

  it('splits ranges at window borders, skips empty windows and joins touching ranges', () => {
    const ranges = [
      { start: 0, end: 1 * K },
      { start: 1 * K, end: 2 * K },
      { start: 3 * K, end: 9 * K },
      { start: 20 * K, end: 21 * K },
    ];
    expect([...planWindows(ranges, 4 * K)]).toEqual([
      {
        offset: 0,
        segments: [
          { start: 0, end: 2 * K },
          { start: 3 * K, end: 4 * K },
        ],
      },
      { offset: 4 * K, segments: [{ start: 4 * K, end: 8 * K }] },
      { offset: 8 * K, segments: [{ start: 8 * K, end: 9 * K }] },
      { offset: 20 * K, segments: [{ start: 20 * K, end: 21 * K }] },
    ]);
  });

  it('plans nothing for an image without mapped blocks', () => {
    expect([...planWindows([], 4 * K, 100 * K)]).toEqual([]);
  });

  it('counts planned bytes', () => {
    expect(
      plannedBytes([
        { start: 0, end: 10 },
        { start: 20, end: 25 },
      ]),
    ).toBe(15);
    expect(plannedBytes(undefined, 99)).toBe(99);
    expect(plannedBytes(undefined)).toBeUndefined();
  });
});

describe('splitAt (the head is written last)', () => {
  it('splits a segment that crosses the limit', () => {
    expect(
      splitAt(
        [
          { start: 0, end: 10 },
          { start: 12, end: 30 },
          { start: 40, end: 50 },
        ],
        20,
      ),
    ).toEqual({
      below: [
        { start: 0, end: 10 },
        { start: 12, end: 20 },
      ],
      above: [
        { start: 20, end: 30 },
        { start: 40, end: 50 },
      ],
    });
    expect(
      segmentBytes([
        { start: 20, end: 30 },
        { start: 40, end: 50 },
      ]),
    ).toBe(20);
  });
});

describe('detectFormat by magic bytes', () => {
  it.each([
    ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
    ['zstd', [0x28, 0xb5, 0x2f, 0xfd, 0, 0]],
    ['gzip', [0x1f, 0x8b, 8, 0, 0, 0]],
    ['zip', [0x50, 0x4b, 0x03, 0x04, 0, 0]],
    ['raw', [0xeb, 0x3c, 0x90, 0x6d, 0x6b, 0x66]],
    ['raw', [0xfd, 0x37]],
    ['raw', []],
  ])('%s', (format, bytes) => {
    expect(detectFormat(Uint8Array.from(bytes))).toBe(format);
  });
});

describe('bmapCandidates', () => {
  it.each([
    ['/x/pi.img', ['/x/pi.img.bmap', '/x/pi.bmap']],
    ['/x/pi.img.xz', ['/x/pi.img.xz.bmap', '/x/pi.img.bmap', '/x/pi.bmap']],
    ['pi.img.zst', ['pi.img.zst.bmap', 'pi.img.bmap', 'pi.bmap']],
    ['/x/pi.zip', ['/x/pi.zip.bmap', '/x/pi.img.bmap', '/x/pi.bmap']],
    [
      'https://h/d/pi.img.gz?token=1',
      [
        'https://h/d/pi.img.gz.bmap?token=1',
        'https://h/d/pi.img.bmap?token=1',
        'https://h/d/pi.bmap?token=1',
      ],
    ],
  ])('%s', (image, expected) => {
    expect(bmapCandidates(image)).toEqual(expected);
  });
});

describe('decompressors and sizes', () => {
  it('decompresses xz on every core, reads files directly, and gzip in-process without pigz', () => {
    expect(decompressCommand('xz', { pigz: false }, '/a.xz')).toEqual([
      'xz',
      ['--decompress', '--stdout', '--threads=0', '--', '/a.xz'],
    ]);
    expect(decompressCommand('zstd', { pigz: false })).toEqual([
      'zstd',
      ['--decompress', '--stdout', '--quiet'],
    ]);
    expect(decompressCommand('gzip', { pigz: true })).toEqual([
      'pigz',
      ['--decompress', '--stdout'],
    ]);
    expect(decompressCommand('gzip', { pigz: false })).toBeUndefined();
    expect(decompressCommand('zip', { pigz: true })).toBeUndefined();
    expect(sizeCommand('gzip', 'x')).toBeUndefined();
  });

  it('reads the uncompressed size from recorded xz and zstd listings', () => {
    expect(parseSizeOutput('xz', fixture('xz-robot-list.txt'))).toBe(20971520);
    expect(parseSizeOutput('zstd', fixture('zstd-list-v.txt'))).toBe(20971520);
    // zstd from a pipe records no content size.
    expect(parseSizeOutput('zstd', fixture('zstd-list-v-streamed.txt'))).toBeUndefined();
    expect(parseSizeOutput('xz', 'xz: x: File format not recognized')).toBeUndefined();
  });
});

describe('progress', () => {
  it('shows bytes, percent, speed and time left', () => {
    expect(formatProgress({ done: 500e6, total: 2e9, elapsedMs: 10_000 })).toBe(
      '500.0 MB of 2.0 GB (25%) · 50.0 MB/s · 0:30 left',
    );
    expect(formatProgress({ done: 5e6, elapsedMs: 500 })).toBe('5.0 MB');
  });

  it('formats durations', () => {
    expect(formatDuration(59.6)).toBe('1:00');
    expect(formatDuration(3725)).toBe('1:02:05');
  });
});

describe('planReadBack and intersectSegments', () => {
  const MiB = 1 << 20;
  it('reads back checksummed ranges past the head against their bmap checksum, digests the rest', () => {
    const ranges = [
      { start: 0, end: 2 * MiB, checksum: 'a' },
      { start: 4 * MiB, end: 6 * MiB, checksum: 'b' },
      { start: 8 * MiB, end: 9 * MiB },
    ];
    expect(planReadBack(ranges, 'sha256')).toEqual({
      byChecksum: [{ start: 4 * MiB, end: 6 * MiB, sha256: 'b' }],
      ownDigest: [
        { start: 1 * MiB, end: 2 * MiB },
        { start: 8 * MiB, end: 9 * MiB },
      ],
    });
    expect(planReadBack(ranges, 'sha1').byChecksum).toEqual([]);
    expect(planReadBack(undefined, undefined)).toEqual({
      byChecksum: [],
      ownDigest: [{ start: MiB, end: Number.MAX_SAFE_INTEGER }],
    });
  });

  it('intersects sorted segment lists', () => {
    const a = [
      { start: 0, end: 10 },
      { start: 20, end: 40 },
    ];
    const b = [
      { start: 5, end: 25 },
      { start: 30, end: 35 },
      { start: 50, end: 60 },
    ];
    expect(intersectSegments(a, b)).toEqual([
      { start: 5, end: 10 },
      { start: 20, end: 25 },
      { start: 30, end: 35 },
    ]);
    expect(intersectSegments(a, [])).toEqual([]);
  });
});

describe('readSpans', () => {
  const segs = [
    { start: 0, end: 10 },
    { start: 14, end: 20 },
    { start: 40, end: 50 },
    { start: 50, end: 60 },
  ];

  it('merges segments across gaps up to maxGap, and no further', () => {
    expect(readSpans(segs, 4)).toEqual([
      { start: 0, end: 20 },
      { start: 40, end: 60 },
    ]);
    expect(readSpans(segs, 3)).toEqual([
      { start: 0, end: 10 },
      { start: 14, end: 20 },
      { start: 40, end: 60 },
    ]);
    expect(readSpans(segs, 20)).toEqual([{ start: 0, end: 60 }]);
  });

  it('leaves its input alone', () => {
    const copy = structuredClone(segs);
    readSpans(segs, 100);
    expect(segs).toEqual(copy);
  });
});
