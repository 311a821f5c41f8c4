/**
 * Check the bmap's range checksums while the image streams past, before the bytes reach any card
 * (a chunk is checked before it is handed to the writers). A mismatch stops the flash with exit 3
 * before the partition table is written.
 */
import { createHash, type Hash } from 'node:crypto';
import { ChecksumMismatchError } from '../errors.js';
import type { Bmap, ByteRange } from '../bmap/types.js';
import { byteRanges } from '../bmap/types.js';
import type { Chunk } from './chunks.js';
import { option } from '../option-names.js';

export class RangeChecker {
  private readonly ranges: ByteRange[];
  private index = 0;
  private hash: Hash | undefined;
  /** Ranges whose checksum matched. */
  verified = 0;

  constructor(
    private readonly map: Bmap,
    private readonly origin: string,
  ) {
    this.ranges = byteRanges(map);
  }

  /** Every range carries a checksum (bmap ≥ 1.3 as written by bmaptool and armada). */
  get complete(): boolean {
    return this.ranges.every((r) => r.checksum !== undefined);
  }

  consume(chunk: Chunk): void {
    for (const seg of chunk.segments) {
      for (let pos = seg.start; pos < seg.end;) {
        while (this.ranges[this.index].end <= pos) this.index++;
        const range = this.ranges[this.index];
        const end = Math.min(seg.end, range.end);
        if (range.checksum) {
          this.hash ??= createHash(this.map.checksumType);
          this.hash.update(chunk.buf.subarray(pos - chunk.offset, end - chunk.offset));
        }
        pos = end;
        if (end === range.end) this.finishRange(range);
      }
    }
  }

  private finishRange(range: ByteRange): void {
    if (!range.checksum || !this.hash) return;
    const actual = this.hash.digest('hex');
    this.hash = undefined;
    if (actual !== range.checksum) {
      const first = range.start / this.map.blockSize;
      const last = Math.ceil(range.end / this.map.blockSize) - 1;
      throw new ChecksumMismatchError(
        `blocks ${first}-${last} of the image (per ${this.origin})`,
        range.checksum,
        actual,
        `the image is corrupt or the bmap belongs to another image; download it again or use ${option('noBmap')}`,
      );
    }
    this.verified++;
  }
}
