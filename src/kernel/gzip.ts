/**
 * One gzip member at an offset inside bigger data (a kernel image, an IKCONFIG blob), with its
 * CRC checked. zlib's gunzip refuses trailing bytes, so the header is parsed here and the
 * deflate stream inflated raw, which stops at its own end (no package finds a member at an offset).
 * Pure.
 */
import { crc32, inflateRawSync } from 'node:zlib';

export class GzipError extends Error {
  constructor(
    readonly reason: 'not-gzip' | 'truncated' | 'corrupt' | 'too-large',
    message: string,
  ) {
    super(message);
  }
}

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;

function headerLength(b: Buffer, start: number): number {
  if (b.length < start + 10) throw new GzipError('truncated', 'gzip header is cut short');
  if (b[start] !== 0x1f || b[start + 1] !== 0x8b || b[start + 2] !== 8)
    throw new GzipError('not-gzip', 'not gzip data');
  const flags = b[start + 3];
  if (flags & 0xe0) throw new GzipError('corrupt', 'reserved gzip flags are set');
  let p = start + 10;
  if (flags & FEXTRA) {
    if (b.length < p + 2) throw new GzipError('truncated', 'gzip header is cut short');
    p += 2 + b.readUInt16LE(p);
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (flags & flag) {
      const end = b.indexOf(0, p);
      if (end < 0) throw new GzipError('truncated', 'gzip header is cut short');
      p = end + 1;
    }
  }
  if (flags & FHCRC) p += 2;
  if (p > b.length) throw new GzipError('truncated', 'gzip header is cut short');
  return p - start;
}

/** Decompress the member starting at `start`; returns the data and the offset just after it. */
export function gunzipMember(
  b: Buffer,
  start = 0,
  maxOutputLength = 1 << 30,
): { data: Buffer; end: number } {
  const body = start + headerLength(b, start);
  let result: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    result = inflateRawSync(b.subarray(body), {
      info: true,
      maxOutputLength,
    }) as unknown as typeof result;
  } catch (error) {
    const message = (error as Error).message;
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new GzipError(
        'too-large',
        `gzip data decompresses to more than ${maxOutputLength} bytes`,
      );
    }
    if (/unexpected end of file/i.test(message))
      throw new GzipError('truncated', 'gzip data is cut short');
    throw new GzipError('corrupt', `gzip data is corrupt (${message})`);
  }
  const trailer = body + result.engine.bytesWritten;
  if (b.length < trailer + 8)
    throw new GzipError('truncated', 'gzip data is cut short (no trailer)');
  const data = result.buffer;
  if (
    b.readUInt32LE(trailer) !== crc32(data) ||
    b.readUInt32LE(trailer + 4) !== data.length >>> 0
  ) {
    throw new GzipError('corrupt', 'gzip data is corrupt (CRC or length mismatch)');
  }
  return { data, end: trailer + 8 };
}

/** A whole .gz file: every member, concatenated (gzip -c a b > c is valid). */
export function gunzipAll(b: Buffer, maxOutputLength = 1 << 30): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  let total = 0;
  while (offset < b.length) {
    // Trailing zero padding (tape blocks, dd) ends the stream as gzip(1) treats it.
    if (parts.length && b.subarray(offset).every((x) => x === 0)) break;
    const { data, end } = gunzipMember(b, offset, Math.max(1, maxOutputLength - total));
    parts.push(data);
    total += data.length;
    offset = end;
  }
  return Buffer.concat(parts);
}
