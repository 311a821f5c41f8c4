/**
 * The block map of an image, in the model of bmap-tools' XML format (version 2.0): which blocks
 * of the image hold data and the checksum of each run of them. Unmapped blocks are "don't care"
 * (holes in the image file) and are never read from the image nor written to the card.
 */
export interface BmapRange {
  /** First block of the range, inclusive. */
  first: number;
  /** Last block of the range, inclusive. */
  last: number;
  /** Hex digest (ChecksumType) of the range's bytes, clipped to ImageSize. */
  checksum?: string;
}

export interface Bmap {
  /** Format version, e.g. '2.0'. */
  version: string;
  imageSize: number;
  blockSize: number;
  blocksCount: number;
  mappedBlocksCount: number;
  /** Hash used by the range checksums and BmapFileChecksum (sha256 in every 2.0 file we write). */
  checksumType: string;
  /** Hex digest of the bmap file with this field replaced by '0's; absent in versions < 1.3. */
  fileChecksum?: string;
  ranges: BmapRange[];
}

/** A mapped range in bytes: [start, end), end clipped to the image size. */
export interface ByteRange {
  start: number;
  end: number;
  checksum?: string;
}

/** The mapped ranges of a bmap in bytes, the last one clipped to the image size. */
export function byteRanges(map: Bmap): ByteRange[] {
  return map.ranges.map((r) => ({
    start: r.first * map.blockSize,
    end: Math.min((r.last + 1) * map.blockSize, map.imageSize),
    ...(r.checksum ? { checksum: r.checksum } : {}),
  }));
}

export function mappedBytes(map: Bmap): number {
  return byteRanges(map).reduce((sum, r) => sum + (r.end - r.start), 0);
}
