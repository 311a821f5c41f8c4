import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBmap, verifyBmapFileChecksum } from '../../../src/bmap/parse.js';
import { serializeBmap } from '../../../src/bmap/serialize.js';
import { byteRanges, mappedBytes } from '../../../src/bmap/types.js';
import { UserError } from '../../../src/errors.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/flash/${name}`, import.meta.url), 'utf8');
// Recorded from `bmaptool create sp.img` (bmap-tools 3.6): a 10485000-byte file with data at
// block 0, blocks 100-119, 1280-1535 and a preallocated (unwritten) MiB at 1792-2047.
const recorded = fixture('bmaptool-create-2.0.bmap');

describe('parseBmap on bmaptool output', () => {
  const map = parseBmap(recorded);

  it('reads the header fields', () => {
    expect(map).toMatchObject({
      version: '2.0',
      imageSize: 10485000,
      blockSize: 4096,
      blocksCount: 2560,
      mappedBlocksCount: 533,
      checksumType: 'sha256',
      fileChecksum: '0902e38b7c6c2371f398c3dc572004cac14fe774c5e4b1550fa16e5ccdf604c0',
    });
  });

  it('reads single blocks and ranges with their checksums', () => {
    expect(map.ranges.map((r) => [r.first, r.last])).toEqual([
      [0, 0],
      [100, 119],
      [1280, 1535],
      [1792, 2047],
    ]);
    expect(map.ranges[0].checksum).toBe(
      'b15056c9a8db77ab5708d19b7f330fe13d88eeae3d0ab271081d3438c0f46264',
    );
  });

  it('converts to byte ranges', () => {
    expect(byteRanges(map)[1]).toMatchObject({ start: 409600, end: 491520 });
    expect(mappedBytes(map)).toBe(533 * 4096);
  });

  it('accepts the recorded BmapFileChecksum', () => {
    expect(verifyBmapFileChecksum(recorded, map)).toEqual({ ok: true });
  });

  it('notices any edit of the file', () => {
    const edited = recorded.replace('100-119', '100-118');
    const result = verifyBmapFileChecksum(
      edited,
      parseBmap(edited.replace('<MappedBlocksCount> 533', '<MappedBlocksCount> 532')),
    );
    expect(result.ok).toBe(false);
    const tampered = recorded.replace('b15056c9', 'b15056c8');
    expect(verifyBmapFileChecksum(tampered, parseBmap(tampered))).toMatchObject({
      ok: false,
      expected: '0902e38b7c6c2371f398c3dc572004cac14fe774c5e4b1550fa16e5ccdf604c0',
    });
  });
});

describe('parseBmap rejects broken maps with every problem listed', () => {
  const broken = (edit: (xml: string) => string): UserError => {
    try {
      parseBmap(edit(recorded), 'x.bmap');
    } catch (error) {
      expect(error).toBeInstanceOf(UserError);
      return error as UserError;
    }
    throw new Error('parseBmap accepted a broken bmap');
  };

  it.each([
    ['overlapping ranges', (x: string) => x.replace('100-119', '0-119'), /overlaps/],
    [
      'a range beyond the image',
      (x: string) => x.replace('1792-2047', '1792-2560'),
      /beyond the image/,
    ],
    [
      'a wrong mapped count',
      (x: string) => x.replace('<MappedBlocksCount> 533', '<MappedBlocksCount> 534'),
      /MappedBlocksCount 534/,
    ],
    [
      'a wrong block count',
      (x: string) => x.replace('<BlocksCount> 2560', '<BlocksCount> 2561'),
      /BlocksCount 2561/,
    ],
    [
      'a missing image size',
      (x: string) => x.replace(/<ImageSize>.*<\/ImageSize>/, ''),
      /ImageSize/,
    ],
    ['a malformed checksum', (x: string) => x.replace('b15056c9', 'zz'), /malformed sha256/],
    [
      'an unknown version',
      (x: string) => x.replace('version="2.0"', 'version="3.0"'),
      /version '3.0'/,
    ],
    [
      'an unknown hash',
      (x: string) => x.replace('<ChecksumType> sha256', '<ChecksumType> crc7'),
      /ChecksumType 'crc7'/,
    ],
    ['a range that is not a number', (x: string) => x.replace('100-119', 'abc'), /'abc'/],
  ])('%s', (_name, edit, pattern) => {
    const error = broken(edit);
    expect(error.details.join('\n')).toMatch(pattern);
    expect(error.message).toMatch(/x\.bmap is not a valid bmap; .*--no-bmap/);
  });

  it('collects several problems at once', () => {
    const error = broken((x) =>
      x.replace('100-119', '0-119').replace('<BlocksCount> 2560', '<BlocksCount> 1'),
    );
    expect(error.details.length).toBeGreaterThanOrEqual(2);
  });

  it('refuses XML that is not a bmap', () => {
    expect(() => parseBmap('<html><body/></html>')).toThrow(/not a bmap file/);
  });
});

describe('serializeBmap', () => {
  const map = {
    imageSize: 5 * 4096 + 100,
    blockSize: 4096,
    checksumType: 'sha256',
    ranges: [
      { first: 0, last: 1, checksum: 'a'.repeat(64) },
      { first: 3, last: 3, checksum: 'b'.repeat(64) },
      { first: 5, last: 5, checksum: 'c'.repeat(64) },
    ],
  };

  it('round-trips through parseBmap with counts recomputed', () => {
    const xml = serializeBmap(map);
    const parsed = parseBmap(xml);
    expect(parsed).toMatchObject({
      version: '2.0',
      imageSize: map.imageSize,
      blocksCount: 6,
      mappedBlocksCount: 4,
    });
    expect(parsed.ranges).toEqual(map.ranges);
    expect(xml).toContain(
      '<Range chksum="bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"> 3 </Range>',
    );
  });

  it('writes a BmapFileChecksum that verifies', () => {
    const xml = serializeBmap(map);
    expect(verifyBmapFileChecksum(xml, parseBmap(xml))).toEqual({ ok: true });
  });

  it('serializes an image without data as an empty block map', () => {
    const xml = serializeBmap({ ...map, ranges: [] });
    expect(parseBmap(xml)).toMatchObject({ mappedBlocksCount: 0, ranges: [] });
  });
});

describe('older bmap versions', () => {
  it('reads 1.3 maps with sha1 attributes', () => {
    const xml = `<?xml version="1.0" ?>
<bmap version="1.3">
    <ImageSize> 8192 </ImageSize>
    <BlockSize> 4096 </BlockSize>
    <BlocksCount> 2 </BlocksCount>
    <MappedBlocksCount> 1 </MappedBlocksCount>
    <BmapFileSHA1> ${'0'.repeat(40)} </BmapFileSHA1>
    <BlockMap>
        <Range sha1="${'1'.repeat(40)}"> 1 </Range>
    </BlockMap>
</bmap>`;
    const map = parseBmap(xml);
    expect(map.checksumType).toBe('sha1');
    expect(map.ranges).toEqual([{ first: 1, last: 1, checksum: '1'.repeat(40) }]);
  });
});
