import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extentsToRanges, parseFilefrag } from '../../../src/bmap/filefrag.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/flash/${name}`, import.meta.url), 'utf8');

describe('parseFilefrag', () => {
  // Recorded with `filefrag -s -e -b1 sp.img` on ext4 (the same file as bmaptool-create-2.0.bmap).
  it('reads byte extents and their flags', () => {
    const result = parseFilefrag(fixture('filefrag-ext4.txt'));
    expect(result).toEqual({
      ok: true,
      extents: [
        { start: 0, end: 4095, flags: [] },
        { start: 409600, end: 491519, flags: [] },
        { start: 5242880, end: 6291455, flags: [] },
        { start: 7340032, end: 8388607, flags: ['last', 'unwritten'] },
      ],
    });
  });

  it('reports a filesystem without FIEMAP (tmpfs)', () => {
    expect(parseFilefrag(fixture('filefrag-tmpfs.txt'))).toEqual({
      ok: false,
      reason: 'the filesystem does not support FIEMAP',
    });
  });

  it('reads a file that is all hole', () => {
    const text =
      'Filesystem type is: ef53\nFile size of /tmp/e.img is 1048576 (1048576 blocks of 1 bytes)\n/tmp/e.img: 0 extents found\n';
    expect(parseFilefrag(text)).toEqual({ ok: true, extents: [] });
  });

  it('refuses output without a file size', () => {
    expect(parseFilefrag('filefrag: No such file or directory').ok).toBe(false);
  });
});

describe('extentsToRanges', () => {
  it('maps the recorded file exactly like bmaptool, the unwritten extent included', () => {
    const parsed = parseFilefrag(fixture('filefrag-ext4.txt'));
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(extentsToRanges(parsed.extents, 4096, 10485000)).toEqual([
      { first: 0, last: 0 },
      { first: 100, last: 119 },
      { first: 1280, last: 1535 },
      { first: 1792, last: 2047 },
    ]);
  });

  it('merges touching and overlapping extents and widens partial blocks', () => {
    const extents = [
      { start: 8192, end: 12287, flags: [] },
      { start: 0, end: 4095, flags: [] },
      { start: 4096, end: 5000, flags: [] },
      { start: 20000, end: 20001, flags: [] },
    ];
    expect(extentsToRanges(extents, 4096, 1 << 20)).toEqual([
      { first: 0, last: 2 },
      { first: 4, last: 4 },
    ]);
  });

  it('clips extents past the end of the file (preallocation beyond EOF)', () => {
    expect(extentsToRanges([{ start: 0, end: 1 << 20, flags: [] }], 4096, 10000)).toEqual([
      { first: 0, last: 2 },
    ]);
  });
});
