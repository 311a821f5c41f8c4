/**
 * Read the card back and compare with digests known from writing: the bmap's range checksums
 * (checked against the image while streaming) or digests taken of the rest. Reads bypass the page
 * cache (Linux: O_DIRECT, and the caller drops the cache with BLKFLSBUF in case O_DIRECT is
 * refused; macOS: the raw /dev/rdiskN node has no cache), so the bytes come from the card: a
 * fake-capacity or failing card is caught here.
 */
import { createHash, type Hash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { alignedBuffers, directAlignment } from './aligned.js';
import { CheckFailedError } from '../errors.js';
import { throwIfInterrupted } from '../cleanup.js';
import { formatBytes } from '../format-bytes.js';
import { deviceError } from './writer.js';
import type { Segment } from './plan.js';

/** Bytes that were written, in order, and the sha256 of them all. */
export interface VerifyRecord {
  segments: Segment[];
  sha256: string;
}

export function digestSegments(buf: Buffer, offset: number, segments: readonly Segment[]): string {
  const hash = createHash('sha256');
  for (const s of segments) hash.update(buf.subarray(s.start - offset, s.end - offset));
  return hash.digest('hex');
}

export class VerifyMismatchError extends CheckFailedError {
  constructor(device: string, start: number, end: number) {
    super(
      `verification failed: ${device} returned other bytes in ${formatBytes(start)}–${formatBytes(end)} than were written; ` +
        'the card is failing or fake (smaller than it claims): test it with f3 (f3probe, f3write/f3read) or h2testw',
    );
  }
}

/** Large reads, a few in flight: the card streams while the main thread hashes. */
const readBytes = 8 << 20;
const inFlight = 3;

interface Piece {
  record: number;
  /** Bytes to hash, absolute. */
  start: number;
  end: number;
  last: boolean;
}

/** Every record cut into reads of at most readBytes, in order. */
function* pieces(records: readonly VerifyRecord[]): Generator<Piece> {
  for (let record = 0; record < records.length; record++) {
    const segs = records[record].segments;
    for (let i = 0; i < segs.length; i++) {
      for (let start = segs[i].start; start < segs[i].end; start += readBytes) {
        const end = Math.min(start + readBytes, segs[i].end);
        yield { record, start, end, last: i === segs.length - 1 && end === segs[i].end };
      }
    }
  }
}

async function readPiece(
  fh: FileHandle,
  device: string,
  piece: Piece,
  buf: Buffer,
): Promise<Buffer> {
  // O_DIRECT and raw disks (macOS) read whole aligned blocks only: widen, then hash just the piece.
  const from = Math.floor(piece.start / directAlignment) * directAlignment;
  const to = Math.ceil(piece.end / directAlignment) * directAlignment;
  for (let pos = from; pos < piece.end;) {
    const { bytesRead } = await fh.read(buf, pos - from, to - pos, pos).catch((error: unknown) => {
      throw deviceError(device, 'read back', pos, error);
    });
    if (bytesRead === 0)
      throw deviceError(
        device,
        'read back',
        pos,
        Object.assign(new Error('end of device'), { code: 'EIO' }),
      );
    pos += bytesRead;
  }
  return buf.subarray(piece.start - from, piece.end - from);
}

/** O_DIRECT where possible: the bytes come from the card, not from a cache. */
async function openForReadBack(device: string, path: string): Promise<FileHandle> {
  const fail = (error: unknown) => {
    throw deviceError(device, 'read back', undefined, error);
  };
  if (constants.O_DIRECT !== undefined) {
    const fh = await open(path, constants.O_RDONLY | constants.O_DIRECT).catch(
      (error: NodeJS.ErrnoException) => (error.code === 'EINVAL' ? undefined : fail(error)),
    );
    if (fh) return fh;
  }
  return open(path, constants.O_RDONLY).catch(fail);
}

export async function readBack(
  device: string,
  path: string,
  records: readonly VerifyRecord[],
  onBytes: (n: number) => void = () => undefined,
): Promise<void> {
  const fh = await openForReadBack(device, path);
  const free: Buffer[] = alignedBuffers(inFlight + 1, readBytes + 2 * directAlignment);
  const queue: { piece: Piece; data: Promise<Buffer>; buf: Buffer }[] = [];
  const all = pieces(records);
  const refill = () => {
    while (queue.length < inFlight && free.length) {
      const next = all.next();
      if (next.done) return;
      const buf = free.pop()!;
      const data = readPiece(fh, device, next.value, buf);
      data.catch(() => undefined);
      queue.push({ piece: next.value, data, buf });
    }
  };
  let hash: Hash | undefined;
  let firstByte = 0;
  try {
    refill();
    while (queue.length) {
      throwIfInterrupted();
      const { piece, data, buf } = queue.shift()!;
      const bytes = await data;
      refill();
      if (!hash) {
        hash = createHash('sha256');
        firstByte = piece.start;
      }
      hash.update(bytes);
      free.push(buf);
      refill();
      onBytes(piece.end - piece.start);
      if (piece.last) {
        if (hash.digest('hex') !== records[piece.record].sha256)
          throw new VerifyMismatchError(device, firstByte, piece.end);
        hash = undefined;
      }
    }
  } finally {
    await Promise.allSettled(queue.map((q) => q.data));
    await fh.close();
  }
}
