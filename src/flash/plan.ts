/**
 * Pure planning of a write: which bytes of the image go to the card, in large aligned windows.
 * Both the positional reader (.img) and the stream reader (.xz, .zip, http) fill these windows.
 */
import type { ByteRange } from '../bmap/types.js';

/** Absolute image byte offsets [start, end). */
export interface Segment {
  start: number;
  end: number;
}

/** One buffer's worth of the image: [offset, offset + chunkSize) and the mapped parts of it. */
export interface Window {
  offset: number;
  segments: Segment[];
}

/**
 * The first MiB (MBR or GPT, boot code) is written last, after everything else is written and
 * verified, so a half-written card never looks bootable. It is zeroed first for the same reason.
 */
export const headBytes = 1 << 20;

/** Large, aligned writes: 4 MiB is a multiple of every SD erase block up to 4 MiB. */
export const defaultChunkBytes = 4 << 20;

/**
 * Windows of `chunkSize` bytes aligned to chunkSize, each with the mapped segments inside it;
 * windows without any are skipped. Without ranges the whole image is mapped; without a size
 * as well the windows go on until the stream ends.
 */
export function* planWindows(
  ranges: readonly ByteRange[] | undefined,
  chunkSize: number,
  imageSize?: number,
): Generator<Window> {
  if (!ranges) {
    for (let offset = 0; imageSize === undefined || offset < imageSize; offset += chunkSize) {
      const end =
        imageSize === undefined ? offset + chunkSize : Math.min(offset + chunkSize, imageSize);
      yield { offset, segments: [{ start: offset, end }] };
    }
    return;
  }
  let current: Window | undefined;
  for (const range of ranges) {
    for (let start = range.start; start < range.end;) {
      const offset = Math.floor(start / chunkSize) * chunkSize;
      const end = Math.min(range.end, offset + chunkSize);
      if (current && current.offset !== offset) {
        yield current;
        current = undefined;
      }
      current ??= { offset, segments: [] };
      const last = current.segments.at(-1);
      // Touching ranges (bmaps list them apart when their checksums differ) share one write.
      if (last && last.end === start) last.end = end;
      else current.segments.push({ start, end });
      start = end;
    }
  }
  if (current) yield current;
}

/** Split segments at `limit`: the parts below it (the head) and the rest. */
export function splitAt(
  segments: readonly Segment[],
  limit: number,
): { below: Segment[]; above: Segment[] } {
  const below: Segment[] = [];
  const above: Segment[] = [];
  for (const s of segments) {
    if (s.end <= limit) below.push(s);
    else if (s.start >= limit) above.push(s);
    else {
      below.push({ start: s.start, end: limit });
      above.push({ start: limit, end: s.end });
    }
  }
  return { below, above };
}

/**
 * Sorted segments merged across gaps of at most `maxGap` bytes: the spans to read from a local
 * image. A fragmented bmap lists many small ranges close together; reading the gaps with them
 * costs a copy from the page cache, while a read of its own costs a round trip to a thread.
 */
export function readSpans(segments: readonly Segment[], maxGap: number): Segment[] {
  const out: Segment[] = [];
  for (const s of segments) {
    const last = out.at(-1);
    if (last && s.start - last.end <= maxGap) last.end = Math.max(last.end, s.end);
    else out.push({ start: s.start, end: s.end });
  }
  return out;
}

export function segmentBytes(segments: readonly Segment[]): number {
  return segments.reduce((sum, s) => sum + s.end - s.start, 0);
}

/** Mapped bytes of the whole write, when known up front. */
export function plannedBytes(
  ranges: readonly ByteRange[] | undefined,
  imageSize?: number,
): number | undefined {
  if (!ranges) return imageSize;
  return ranges.reduce((sum, r) => sum + r.end - r.start, 0);
}

/** The parts of sorted segments `a` that lie inside sorted segments `b`. */
export function intersectSegments(a: readonly Segment[], b: readonly Segment[]): Segment[] {
  const out: Segment[] = [];
  let j = 0;
  for (const s of a) {
    while (j < b.length && b[j].end <= s.start) j++;
    for (let k = j; k < b.length && b[k].start < s.end; k++) {
      const start = Math.max(s.start, b[k].start);
      const end = Math.min(s.end, b[k].end);
      if (start < end) out.push({ start, end });
    }
  }
  return out;
}

export interface ReadBackPlan {
  /** Ranges whose bmap checksum (already matched while streaming) also checks the read-back. */
  byChecksum: { start: number; end: number; sha256: string }[];
  /** Bytes that need their own digest while writing (no bmap, no checksum, or in the head's range). */
  ownDigest: Segment[];
}

/**
 * How to check the read-back with the least hashing while writing: a bmap range with a sha256
 * checksum that starts past the head is read back and compared with that checksum; everything
 * else is digested chunk by chunk as it is written.
 */
export function planReadBack(
  ranges: readonly ByteRange[] | undefined,
  checksumType: string | undefined,
): ReadBackPlan {
  if (!ranges)
    return { byChecksum: [], ownDigest: [{ start: headBytes, end: Number.MAX_SAFE_INTEGER }] };
  const byChecksum: ReadBackPlan['byChecksum'] = [];
  const ownDigest: Segment[] = [];
  for (const r of ranges) {
    if (r.checksum && checksumType === 'sha256' && r.start >= headBytes)
      byChecksum.push({ start: r.start, end: r.end, sha256: r.checksum });
    else if (r.end > headBytes) ownDigest.push({ start: Math.max(r.start, headBytes), end: r.end });
  }
  return { byChecksum, ownDigest };
}
