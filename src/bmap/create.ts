/**
 * createBmap: the block map of a sparse image file, as bmap XML, and the file's sha256 from the same
 * read (holes are hashed as the zeros they read as, not read). The build pipeline publishes the
 * map next to the image (name.img.bmap) and the sha256 in SHA256SUMS.
 */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { run } from '../exec.js';
import { UserError } from '../errors.js';
import { log } from '../log.js';
import { extentsToRanges, filefragCommand, parseFilefrag } from './filefrag.js';
import { serializeBmap } from './serialize.js';
import type { BmapRange } from './types.js';

export interface CreateBmapOptions {
  /** Block size of the map; 4096 like bmap-tools (and the ext4 block size). */
  blockSize?: number;
}

async function mappedRanges(
  imagePath: string,
  blockSize: number,
  imageSize: number,
): Promise<BmapRange[]> {
  const result = await run(filefragCommand(imagePath), { allowFailure: true });
  const parsed = parseFilefrag(`${result.stdout}\n${result.stderr}`);
  if (parsed.ok && result.exitCode === 0)
    return extentsToRanges(parsed.extents, blockSize, imageSize);
  // Without FIEMAP (tmpfs, some network filesystems) we cannot tell holes from data. Mapping
  // every block is always correct, only slower to flash; guessing from zero blocks is not
  // (a FAT's free-cluster entries are zeros that must be written).
  log.warn(
    `cannot read the extents of ${imagePath} (${parsed.ok ? `filefrag exit ${result.exitCode}` : parsed.reason}); ` +
      'the bmap maps every block. Build on ext4, xfs or btrfs for a sparse bmap.',
  );
  return imageSize ? [{ first: 0, last: Math.ceil(imageSize / blockSize) - 1 }] : [];
}

/** Zeros to hash for the holes: they read as zeros, so the whole file's hash needs no reads there. */
const zeros = Buffer.alloc(8 << 20);

/**
 * One read of the mapped bytes: each range's sha256 (the last block clipped to the file size, as
 * bmap-tools does) and, fed the same bytes plus zeros for the holes, the whole file's sha256.
 */
async function hashRanges(
  imagePath: string,
  ranges: BmapRange[],
  blockSize: number,
  imageSize: number,
): Promise<{ ranges: BmapRange[]; sha256: string }> {
  const fh = await open(imagePath, 'r');
  const buffer = Buffer.allocUnsafe(8 << 20);
  const whole = createHash('sha256');
  const hole = (from: number, to: number) => {
    for (let pos = from; pos < to; pos += zeros.length)
      whole.update(zeros.subarray(0, Math.min(zeros.length, to - pos)));
  };
  try {
    const out: BmapRange[] = [];
    let done = 0;
    for (const r of ranges) {
      const hash = createHash('sha256');
      const start = r.first * blockSize;
      const end = Math.min((r.last + 1) * blockSize, imageSize);
      hole(done, start);
      for (let pos = start; pos < end;) {
        const { bytesRead } = await fh.read(buffer, 0, Math.min(buffer.length, end - pos), pos);
        if (bytesRead === 0)
          throw new UserError(
            `${imagePath} shrank while its bmap was being made; is something writing it?`,
          );
        const piece = buffer.subarray(0, bytesRead);
        hash.update(piece);
        whole.update(piece);
        pos += bytesRead;
      }
      done = end;
      out.push({ ...r, checksum: hash.digest('hex') });
    }
    hole(done, imageSize);
    return { ranges: out, sha256: whole.digest('hex') };
  } finally {
    await fh.close();
  }
}

export interface CreatedBmap {
  xml: string;
  /** The whole image file's sha256, from the same read. */
  imageSha256: string;
}

export async function createBmap(
  imagePath: string,
  opts: CreateBmapOptions = {},
): Promise<CreatedBmap> {
  const blockSize = opts.blockSize ?? 4096;
  const { size: imageSize, isFile } = await stat(imagePath).then((s) => ({
    size: s.size,
    isFile: s.isFile(),
  }));
  if (!isFile || imageSize === 0)
    throw new UserError(`${imagePath} is not a non-empty image file; cannot make a bmap of it`);
  const ranges = await mappedRanges(imagePath, blockSize, imageSize);
  const hashed = await hashRanges(imagePath, ranges, blockSize, imageSize);
  return {
    xml: serializeBmap({ imageSize, blockSize, checksumType: 'sha256', ranges: hashed.ranges }),
    imageSha256: hashed.sha256,
  };
}
