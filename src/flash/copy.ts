/**
 * One pass over the image feeding every card: read (or decompress) once, check bmap range
 * checksums, keep the first MiB aside for last, digest what the bmap does not vouch for, and hand
 * the chunk to every writer. A chunk's buffer returns to the pool when the slowest card has it.
 */
import type { Bmap } from '../bmap/types.js';
import { byteRanges } from '../bmap/types.js';
import { UserError } from '../errors.js';
import {
  BufferPool,
  produceFromFile,
  produceFromStream,
  TruncatedImageError,
  type Chunk,
  type Waits,
} from './chunks.js';
import { alignedBuffer } from './aligned.js';
import { headBytes, intersectSegments, planReadBack, planWindows, splitAt } from './plan.js';
import { RangeChecker } from './range-check.js';
import { digestSegments, type VerifyRecord } from './readback.js';
import type { ImageInput } from '../source/start.js';
import type { DeviceWriter } from './writer.js';

export interface CopyOptions {
  input: ImageInput;
  display: string;
  bmap?: { map: Bmap; origin: string };
  /** Uncompressed size when known (bmap, raw file, xz index, zip directory). */
  imageSize?: number;
  chunkBytes: number;
  poolBuffers: number;
  /** Digest chunks for the read-back. */
  verify: boolean;
  /**
   * Hash each bmap range as it streams past and stop on a mismatch. Needless, and skipped, when
   * the image file was checked against a SHA256SUMS (or --sha256) before writing and the bmap is
   * listed in that SHA256SUMS or came out of the archive: the bytes are then already proven, and
   * the read-back still checks every range on the card against the bmap.
   */
  checkRanges: boolean;
  /** Stop reading (kill decompressors, abort the download). */
  stopSource: () => Promise<void>;
}

export interface CopyResult {
  /** The first MiB of the image (zeros where unmapped), to be written last. */
  head: Buffer;
  headRecord: VerifyRecord;
  records: VerifyRecord[];
  /** Size of the image: known up front or the length of the stream. */
  imageBytes: number;
  /** Image bytes handed to the cards (the head included). */
  mappedBytes: number;
  rangesVerified: number;
  /** Where reading the image waited (--debug). */
  waits: Waits;
}

export async function copyImage(
  opts: CopyOptions,
  writers: readonly DeviceWriter[],
): Promise<CopyResult> {
  const ranges = opts.bmap ? byteRanges(opts.bmap.map) : undefined;
  const windows = planWindows(ranges, opts.chunkBytes, opts.imageSize);
  const pool = new BufferPool(opts.poolBuffers, opts.chunkBytes);
  const checker =
    opts.bmap && opts.checkRanges ? new RangeChecker(opts.bmap.map, opts.bmap.origin) : undefined;
  // Zero-filled (unmapped parts of the head are zeros) and aligned for O_DIRECT.
  const head = alignedBuffer(headBytes);
  const readBackPlan = planReadBack(ranges, opts.bmap?.map.checksumType);
  const records: VerifyRecord[] = [];
  const pending = new Set<Promise<void>>();
  let mappedBytes = 0;
  let streamEnd = 0;
  const waits: Waits = { cardsMs: 0, sourceMs: 0 };

  const emit = (chunk: Chunk): void => {
    try {
      checker?.consume(chunk);
    } catch (error) {
      pool.release(chunk.buf);
      throw error;
    }
    const { below, above } = splitAt(chunk.segments, headBytes);
    for (const s of [...below, ...above]) {
      mappedBytes += s.end - s.start;
      streamEnd = Math.max(streamEnd, s.end);
    }
    for (const s of below)
      chunk.buf.copy(head, s.start, s.start - chunk.offset, s.end - chunk.offset);
    const active = writers.filter((w) => !w.failed);
    if (active.length === 0) {
      pool.release(chunk.buf);
      throw writers[0]?.error ?? new Error('no card to write');
    }
    if (above.length === 0) {
      pool.release(chunk.buf);
      return;
    }
    const own = opts.verify ? intersectSegments(above, readBackPlan.ownDigest) : [];
    if (own.length)
      records.push({ segments: own, sha256: digestSegments(chunk.buf, chunk.offset, own) });
    const body: Chunk = { ...chunk, segments: above };
    const written = Promise.all(active.map((w) => w.write(body))).then(() => {
      pool.release(chunk.buf);
      pending.delete(written);
    });
    pending.add(written);
  };

  try {
    const input = opts.input;
    if (input.kind === 'file') {
      await produceFromFile(input.path, input.size, opts.display, windows, pool, emit, waits);
    } else {
      let result: Awaited<ReturnType<typeof produceFromStream>>;
      try {
        result = await produceFromStream(input.stream, opts.display, windows, pool, emit, {
          ...(opts.imageSize === undefined ? {} : { expectedSize: opts.imageSize }),
          // Past the last mapped range nothing matters once every range's checksum matched, or
          // when the whole file was proven before the first write.
          stopAfterLastWindow: opts.bmap !== undefined && (checker?.complete ?? true),
          waits,
        });
      } catch (error) {
        // A dying decompressor ends its stream early: its own message says why. Our own errors
        // (a card failed, a checksum did not match) stand as they are.
        if (!(error instanceof UserError) || error instanceof TruncatedImageError) await input.done;
        throw error;
      }
      if (result.stoppedEarly) await opts.stopSource();
      else await input.done;
      streamEnd = Math.max(streamEnd, result.bytesRead);
    }
  } finally {
    await Promise.all(pending);
  }

  // Ranges checked against their bmap checksum while streaming check the read-back too.
  if (opts.verify) {
    for (const r of readBackPlan.byChecksum)
      records.push({ segments: [{ start: r.start, end: r.end }], sha256: r.sha256 });
    records.sort((a, b) => a.segments[0].start - b.segments[0].start);
  }
  const imageBytes = opts.imageSize ?? streamEnd;
  const headLength = Math.min(headBytes, imageBytes);
  const headSegments = [{ start: 0, end: headLength }];
  return {
    head: head.subarray(0, headLength),
    headRecord: { segments: headSegments, sha256: digestSegments(head, 0, headSegments) },
    records,
    imageBytes,
    mappedBytes,
    rangesVerified: checker?.verified ?? 0,
    waits,
  };
}
