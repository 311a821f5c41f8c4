/**
 * Finding things inside a kernel image's bytes: compressed payloads at any offset, and the arm64
 * EFI zboot header that says where its payload lies. Pure.
 */
import { sniff } from '../source/magic.js';

/** Offsets where `needle` occurs in `haystack`, at most `limit` of them. */
export function offsetsOf(haystack: Buffer, needle: Buffer, limit: number, from = 0): number[] {
  const found: number[] = [];
  for (
    let i = haystack.indexOf(needle, from);
    i >= 0 && found.length < limit;
    i = haystack.indexOf(needle, i + 1)
  ) {
    found.push(i);
  }
  return found;
}

export interface ZbootHeader {
  payloadOffset: number;
  payloadSize: number;
  compression: string;
}

/** The zboot header: payload offset and size (le32 at 8 and 12), compression name at 24. */
export function parseZbootHeader(b: Buffer): ZbootHeader | undefined {
  if (sniff(b) !== 'zboot' || b.length < 56) return undefined;
  const payloadOffset = b.readUInt32LE(8);
  const payloadSize = b.readUInt32LE(12);
  const nameEnd = b.indexOf(0, 24);
  const compression = b
    .subarray(24, nameEnd > 24 && nameEnd < 56 ? nameEnd : 56)
    .toString('latin1');
  if (payloadOffset + payloadSize > b.length || payloadSize === 0) return undefined;
  return { payloadOffset, payloadSize, compression };
}
