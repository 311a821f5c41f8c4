/**
 * `armada verify <image> <card>`: compare a card (or image file) with an image without writing.
 * Only the ranges the .bmap maps are read when there is one (the rest of a card is "don't care"),
 * else the whole image; compressed images are decompressed as a flash does (source/start.ts).
 * The card is read after its cache was dropped, so the bytes come from the card.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { byteRanges } from '../bmap/types.js';
import { throwIfInterrupted } from '../cleanup.js';
import { UserError } from '../errors.js';
import { run } from '../exec.js';
import { findBmap, type BmapChoice } from './find-bmap.js';
import { defaultChunkBytes, planWindows, type Segment } from './plan.js';
import { clip, firstDifference, mbrPartitionAt } from './plan-compare.js';
import { flushBuffersCommand } from './platform/linux.js';
import { probeSource } from '../source/probe.js';
import { startSource, type ImageInput } from '../source/start.js';
import { StreamPieces } from './stream-pieces.js';

export interface CompareOptions {
  image: string;
  target: string;
  bmap: BmapChoice;
  /** Told the bytes compared so far, now and then. */
  onProgress?: (comparedBytes: number, totalBytes: number | undefined) => void;
}

export interface CompareResult {
  image: string;
  target: string;
  bmap?: string;
  imageBytes?: number;
  /** Bytes of the image compared with the card. */
  comparedBytes: number;
  equal: boolean;
  /** The first byte (image offset) where the card differs, and the partition it lies in. */
  difference?: { offset: number; partition?: number | 'gpt' };
}

async function openTarget(target: string): Promise<FileHandle> {
  const s = await stat(target).catch(() => undefined);
  if (!s || s.isDirectory())
    throw new UserError(
      `${target} is no card or image file; give a card's device (see 'armada drives') or an image file`,
    );
  if (s.isBlockDevice())
    // The kernel's cached blocks out, so the reads below come from the card.
    await run(flushBuffersCommand(target), { allowFailure: true, timeoutMs: 60_000 });
  return open(target, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EACCES' || error.code === 'EPERM')
      throw new UserError(`cannot read ${target}: permission denied; run it again with sudo`);
    throw error;
  });
}

/** Reads exactly `length` bytes at `position`, fewer only at the end of the file or card. */
async function readAt(
  fh: FileHandle,
  buf: Buffer,
  length: number,
  position: number,
): Promise<Buffer> {
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}

/** The image as (offset, bytes) pieces of the mapped windows, whether read by position or streamed. */
async function* imagePieces(
  input: ImageInput,
  ranges: readonly { start: number; end: number }[] | undefined,
  size: number | undefined,
): AsyncGenerator<{ offset: number; bytes: Buffer; segments: Segment[] }> {
  if (input.kind === 'file') {
    const fh = await open(input.path, 'r');
    const buf = Buffer.alloc(defaultChunkBytes);
    try {
      for (const w of planWindows(ranges, defaultChunkBytes, size ?? input.size)) {
        const end = w.segments.at(-1)!.end;
        const bytes = await readAt(fh, buf, end - w.offset, w.offset);
        yield {
          offset: w.offset,
          bytes,
          segments: clip(w.segments, w.offset, w.offset + bytes.length),
        };
      }
    } finally {
      await fh.close();
    }
    return;
  }
  const pieces = new StreamPieces(input.stream, 32 << 20);
  try {
    let offset = 0;
    for (let piece = await pieces.next(); piece; piece = await pieces.next()) {
      const segments = ranges
        ? clip(ranges, offset, offset + piece.length)
        : [{ start: offset, end: offset + piece.length }];
      if (segments.length) yield { offset, bytes: piece, segments };
      offset += piece.length;
    }
    await input.done;
  } finally {
    pieces.close();
  }
}

export async function compareCard(opts: CompareOptions): Promise<CompareResult> {
  const probe = await probeSource(opts.image);
  const found = await findBmap(probe, opts.bmap);
  const ranges = found ? byteRanges(found.map) : undefined;
  const imageBytes = probe.imageSize ?? found?.map.imageSize;
  const total = ranges ? ranges.reduce((n, r) => n + r.end - r.start, 0) : imageBytes;
  const card = await openTarget(opts.target);
  const source = await startSource(probe);
  let sector0: Buffer | undefined;
  let compared = 0;
  let difference: CompareResult['difference'];
  const cardBuf = Buffer.alloc(defaultChunkBytes * 2);
  try {
    outer: for await (const piece of imagePieces(source.input, ranges, imageBytes)) {
      throwIfInterrupted();
      if (piece.offset === 0 && piece.bytes.length >= 512)
        sector0 = Buffer.from(piece.bytes.subarray(0, 512));
      for (const seg of piece.segments) {
        const want = piece.bytes.subarray(seg.start - piece.offset, seg.end - piece.offset);
        const buf = want.length <= cardBuf.length ? cardBuf : Buffer.alloc(want.length);
        const got = await readAt(card, buf, want.length, seg.start);
        const at = firstDifference(want, got);
        if (at >= 0) {
          compared += at;
          difference = { offset: seg.start + at };
          break outer;
        }
        compared += want.length;
      }
      opts.onProgress?.(compared, total);
    }
  } finally {
    await source.close();
    await card.close();
  }
  if (difference && sector0) {
    const partition = mbrPartitionAt(sector0, difference.offset);
    if (partition) difference.partition = partition;
  }
  return {
    image: probe.input,
    target: opts.target,
    ...(found ? { bmap: found.origin } : {}),
    ...(imageBytes === undefined ? {} : { imageBytes }),
    comparedBytes: compared,
    equal: !difference,
    ...(difference ? { difference } : {}),
  };
}
