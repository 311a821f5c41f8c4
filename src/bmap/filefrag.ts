/**
 * The allocated extents of an image file, from the kernel's FIEMAP through `filefrag`
 * (e2fsprogs). The parser is pure and tested on recorded output.
 */
import type { Command } from '../exec.js';
import type { BmapRange } from './types.js';

/**
 * -s syncs first (delayed allocations get real extents), -e prints extents, -b1 prints offsets
 * in bytes so the block math below does not depend on the filesystem's block size.
 */
export function filefragCommand(path: string): Command {
  return ['filefrag', ['-s', '-e', '-b1', path]];
}

export interface Extent {
  /** Byte offset in the file, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
  flags: string[];
}

export type FilefragResult = { ok: true; extents: Extent[] } | { ok: false; reason: string };

const extentLine = /^\s*\d+:\s*(\d+)\.\.\s*(\d+):\s*\d+\.\.\s*\d+:\s*\d+:\s*(?:\d+:)?\s*(.*)$/;

export function parseFilefrag(output: string): FilefragResult {
  if (/FIBMAP\/FIEMAP unsupported|Operation not supported|FIEMAP failed/i.test(output)) {
    return { ok: false, reason: 'the filesystem does not support FIEMAP' };
  }
  if (!/File size of .* is \d+/.test(output))
    return { ok: false, reason: 'filefrag printed no file size' };
  const extents: Extent[] = [];
  for (const line of output.split('\n')) {
    const m = extentLine.exec(line);
    if (!m) continue;
    const flags = m[3]
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean);
    extents.push({ start: Number(m[1]), end: Number(m[2]), flags });
  }
  return { ok: true, extents };
}

/**
 * Mapped block ranges of a file of `imageSize` bytes; touching extents are merged. Unwritten
 * (preallocated) extents read as zeros like holes, but tools make them on purpose when they
 * zero a range (mke2fs zeroes the end of the filesystem and the journal with FALLOC_FL_ZERO_RANGE),
 * so they stay mapped, as bmaptool maps them: the card must read zeros there too.
 */
export function extentsToRanges(
  extents: readonly Extent[],
  blockSize: number,
  imageSize: number,
): BmapRange[] {
  const blocksCount = Math.ceil(imageSize / blockSize);
  const ranges: BmapRange[] = [];
  const sorted = [...extents].sort((a, b) => a.start - b.start);
  for (const e of sorted) {
    const first = Math.floor(e.start / blockSize);
    const last = Math.min(Math.floor(e.end / blockSize), blocksCount - 1);
    if (first > last) continue;
    const previous = ranges.at(-1);
    if (previous && first <= previous.last + 1) previous.last = Math.max(previous.last, last);
    else ranges.push({ first, last });
  }
  return ranges;
}
