/**
 * createBmap: the block map of a sparse image file, as bmap XML. The build pipeline calls it and
 * publishes the result next to the image (name.img.bmap).
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

/** sha256 of each range's bytes (the last block clipped to the file size, as bmap-tools does). */
async function hashRanges(
  imagePath: string,
  ranges: BmapRange[],
  blockSize: number,
  imageSize: number,
): Promise<BmapRange[]> {
  const fh = await open(imagePath, 'r');
  const buffer = Buffer.allocUnsafe(8 << 20);
  try {
    const out: BmapRange[] = [];
    for (const r of ranges) {
      const hash = createHash('sha256');
      const end = Math.min((r.last + 1) * blockSize, imageSize);
      for (let pos = r.first * blockSize; pos < end;) {
        const { bytesRead } = await fh.read(buffer, 0, Math.min(buffer.length, end - pos), pos);
        if (bytesRead === 0)
          throw new UserError(
            `${imagePath} shrank while its bmap was being made; is something writing it?`,
          );
        hash.update(buffer.subarray(0, bytesRead));
        pos += bytesRead;
      }
      out.push({ ...r, checksum: hash.digest('hex') });
    }
    return out;
  } finally {
    await fh.close();
  }
}

export async function createBmap(imagePath: string, opts: CreateBmapOptions = {}): Promise<string> {
  const blockSize = opts.blockSize ?? 4096;
  const { size: imageSize, isFile } = await stat(imagePath).then((s) => ({
    size: s.size,
    isFile: s.isFile(),
  }));
  if (!isFile || imageSize === 0)
    throw new UserError(`${imagePath} is not a non-empty image file; cannot make a bmap of it`);
  const ranges = await mappedRanges(imagePath, blockSize, imageSize);
  const hashed = await hashRanges(imagePath, ranges, blockSize, imageSize);
  return serializeBmap({ imageSize, blockSize, checksumType: 'sha256', ranges: hashed });
}
