/**
 * Fill the planned windows with image bytes. A local .img is read by position, mapped parts only;
 * a stream is consumed in order, holes skipped. Buffers come from a small pool: when every
 * buffer waits on a write, reading waits too — the slowest card paces the source.
 */
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { UserError } from '../errors.js';
import { throwIfInterrupted } from '../cleanup.js';
import { readSpans, type Segment, type Window } from './plan.js';
import { alignedBuffers } from './aligned.js';
import { StreamPieces } from './stream-pieces.js';

export interface Chunk {
  /** Image offset of buf[0]. */
  offset: number;
  buf: Buffer;
  /** Mapped parts to write, absolute offsets, ascending. */
  segments: Segment[];
}

export class BufferPool {
  private readonly free: Buffer[] = [];
  private readonly waiting: ((buf: Buffer) => void)[] = [];

  constructor(
    count: number,
    readonly size: number,
  ) {
    // Page-aligned, so writers can hand them to O_DIRECT as they are.
    this.free.push(...alignedBuffers(count, size));
  }

  acquire(): Promise<Buffer> {
    const buf = this.free.pop();
    return buf ? Promise.resolve(buf) : new Promise((resolve) => this.waiting.push(resolve));
  }

  release(buf: Buffer): void {
    const next = this.waiting.shift();
    if (next) next(buf);
    else this.free.push(buf);
  }
}

/**
 * Where the reading waited, for --debug: for a free buffer (the cards are slower than the
 * source: as it should be) or for image bytes (the decompressor or the disk is slower than the
 * cards, which then run dry).
 */
export interface Waits {
  cardsMs: number;
  sourceMs: number;
}

/** `promise`, with the time until it settles added to `waits[key]`. */
export async function timed<T>(waits: Waits, key: keyof Waits, promise: Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await promise;
  } finally {
    waits[key] += performance.now() - started;
  }
}

/** Called with each filled chunk, in order; resolves once the chunk is handed on (not written). */
export type Emit = (chunk: Chunk) => Promise<void> | void;

/** The image ended before the planned bytes: the source is cut short. */
export class TruncatedImageError extends UserError {
  constructor(display: string, got: number, want: number) {
    super(
      `${display} ended after ${got} bytes but the image is ${want} bytes; the file is truncated, download it again`,
    );
  }
}

const truncated = (display: string, got: number, want: number) =>
  new TruncatedImageError(display, got, want);

/** Gaps between mapped segments read along with them rather than in reads of their own. */
const readGapBytes = 256 << 10;

export async function produceFromFile(
  path: string,
  size: number,
  display: string,
  windows: Iterable<Window>,
  pool: BufferPool,
  emit: Emit,
  waits: Waits = { cardsMs: 0, sourceMs: 0 },
): Promise<void> {
  const fh = await open(path, 'r');
  try {
    for (const w of windows) {
      throwIfInterrupted();
      const buf = await timed(waits, 'cardsMs', pool.acquire());
      for (const s of readSpans(w.segments, readGapBytes)) {
        for (let pos = s.start; pos < s.end;) {
          const { bytesRead } = await timed(
            waits,
            'sourceMs',
            fh.read(buf, pos - w.offset, s.end - pos, pos),
          );
          if (bytesRead === 0) {
            pool.release(buf);
            throw truncated(display, pos, Math.max(size, s.end));
          }
          pos += bytesRead;
        }
      }
      await emit({ offset: w.offset, buf, segments: w.segments });
    }
  } finally {
    await fh.close();
  }
}

export interface StreamProduceOptions {
  /** The image size when known (bmap, xz index, zip directory): a shorter stream is an error. */
  expectedSize?: number;
  /** Stop reading once the last window is filled (the rest is unmapped). */
  stopAfterLastWindow: boolean;
  /** Where the time went (added to). */
  waits?: Waits;
}

/** Stream bytes queued ahead of the copy: the decompressor keeps going while a window is handed on. */
const readAheadBytes = 8 << 20;

/**
 * Returns the number of image bytes read from the stream. Pieces (64 KiB from a pipe) are copied
 * once, into their place in a window buffer; bytes in holes are skipped without a copy.
 */
export async function produceFromStream(
  stream: Readable,
  display: string,
  windowIterable: Iterable<Window>,
  pool: BufferPool,
  emit: Emit,
  opts: StreamProduceOptions,
): Promise<{ bytesRead: number; stoppedEarly: boolean }> {
  const windows = windowIterable[Symbol.iterator]();
  const nextWindow = (): Window | undefined => {
    const r = windows.next();
    return r.done ? undefined : r.value;
  };
  const waits = opts.waits ?? { cardsMs: 0, sourceMs: 0 };
  let window = nextWindow();
  let buf = window ? await timed(waits, 'cardsMs', pool.acquire()) : undefined;
  let segIndex = 0;
  let pos = 0;

  const finishWindow = async () => {
    await emit({ offset: window!.offset, buf: buf!, segments: window!.segments });
    window = nextWindow();
    segIndex = 0;
    buf = window ? await timed(waits, 'cardsMs', pool.acquire()) : undefined;
  };

  const pieces = new StreamPieces(stream, readAheadBytes);
  try {
    for (;;) {
      const next = pieces.next();
      const piece = next instanceof Promise ? await timed(waits, 'sourceMs', next) : next;
      if (piece === null) break;
      throwIfInterrupted();
      const pieceEnd = pos + piece.length;
      while (window && pos < pieceEnd) {
        const seg = window.segments[segIndex];
        if (pos < seg.start) {
          pos = Math.min(seg.start, pieceEnd);
          continue;
        }
        const take = Math.min(seg.end, pieceEnd) - pos;
        const from = piece.length - (pieceEnd - pos);
        piece.copy(buf!, pos - window.offset, from, from + take);
        pos += take;
        if (pos === seg.end && ++segIndex === window.segments.length) await finishWindow();
      }
      if (!window) {
        pos = pieceEnd;
        if (opts.stopAfterLastWindow) return { bytesRead: pos, stoppedEarly: true };
      }
    }
  } finally {
    pieces.close();
  }

  if (window) {
    const seg = window.segments[segIndex];
    // Without a known size the stream's end is the image's end: the last window is short.
    if (
      opts.expectedSize === undefined &&
      segIndex === window.segments.length - 1 &&
      pos > seg.start
    ) {
      window.segments = [...window.segments.slice(0, segIndex), { start: seg.start, end: pos }];
      await finishWindow();
    } else if (
      opts.expectedSize === undefined &&
      pos <= seg.start &&
      segIndex === 0 &&
      window.segments.length === 1
    ) {
      pool.release(buf!);
    } else {
      pool.release(buf!);
      throw truncated(display, pos, opts.expectedSize ?? seg.end);
    }
  }
  if (opts.expectedSize !== undefined && pos < opts.expectedSize)
    throw truncated(display, pos, opts.expectedSize);
  return { bytesRead: pos, stoppedEarly: false };
}
