/**
 * createBmap: the block map of a sparse image file, as bmap XML, and the file's sha256, hashed side by
 * side on two threads (holes are hashed as the zeros they read as, not read). The build pipeline publishes the
 * map next to the image (name.img.bmap) and the sha256 in SHA256SUMS.
 */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { run } from '../exec.js';
import { UserError } from '../errors.js';
import { log } from '../log.js';
import { extentsToRanges, filefragCommand, parseFilefrag } from './filefrag.js';
import { serializeBmap } from './serialize.js';
import type { BmapRange } from './types.js';
import type { WholeFileJob, WholeFileResult } from './hash-worker.js';

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

const shrank = (imagePath: string) =>
  new UserError(`${imagePath} shrank while its bmap was being made; is something writing it?`);

/**
 * The worker module beside this one: hash-worker.js in dist/, hash-worker.ts when the sources run
 * under the tests (whose runner registers a TypeScript loader for worker threads).
 */
const workerUrl = new URL(
  `./hash-worker${extname(fileURLToPath(import.meta.url))}`,
  import.meta.url,
);

function hashWholeFileInWorker(
  imagePath: string,
  spans: [number, number][],
  size: number,
): Promise<string> {
  const job: WholeFileJob = { kind: 'bmap-whole-file', path: imagePath, spans, size };
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl, { workerData: job });
    let result: WholeFileResult | undefined;
    worker.on('message', (m: WholeFileResult) => (result = m));
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (result?.kind === 'digest') resolve(result.sha256);
      else if (result?.kind === 'shrank') reject(shrank(imagePath));
      else reject(new Error(`sha256 worker exited with ${code}`));
    });
  });
}

/** Each range's sha256, the last block clipped to the file size (as bmap-tools does). */
async function hashRanges(
  imagePath: string,
  spans: [number, number][],
  ranges: BmapRange[],
): Promise<BmapRange[]> {
  const fh = await open(imagePath, 'r');
  const buffer = Buffer.allocUnsafe(8 << 20);
  try {
    const out: BmapRange[] = [];
    for (const [i, r] of ranges.entries()) {
      const hash = createHash('sha256');
      const [start, end] = spans[i];
      for (let pos = start; pos < end;) {
        const { bytesRead } = await fh.read(buffer, 0, Math.min(buffer.length, end - pos), pos);
        if (bytesRead === 0) throw shrank(imagePath);
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
  const spans = ranges.map((r): [number, number] => [
    r.first * blockSize,
    Math.min((r.last + 1) * blockSize, imageSize),
  ]);
  const [hashed, imageSha256] = await Promise.all([
    hashRanges(imagePath, spans, ranges),
    hashWholeFileInWorker(imagePath, spans, imageSize),
  ]);
  return {
    xml: serializeBmap({ imageSize, blockSize, checksumType: 'sha256', ranges: hashed }),
    imageSha256,
  };
}
