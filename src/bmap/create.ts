/**
 * createBmap: the block map of a sparse image file, as bmap XML, and the file's sha256, hashed side by
 * side on two threads (holes are hashed as the zeros they read as, not read). The build pipeline publishes the
 * map next to the image (name.img.bmap) and the sha256 in SHA256SUMS.
 */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
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

/**
 * The whole file's sha256 in a worker thread, while the main thread hashes the ranges: the two
 * hashes of every mapped byte then run on two cores. The worker reads the mapped ranges itself
 * (from the page cache the main thread's reads fill) and hashes the holes as the zeros they read
 * as, without reading them. Plain JavaScript evaluated in the worker, so it runs the same from
 * dist/ and from the TypeScript sources under test.
 */
const wholeFileWorker = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const { path, spans, size } = workerData;
const zeros = Buffer.alloc(8 << 20);
const buffer = Buffer.allocUnsafe(8 << 20);
const whole = createHash('sha256');
const hole = (from, to) => {
  for (let pos = from; pos < to; pos += zeros.length)
    whole.update(zeros.subarray(0, Math.min(zeros.length, to - pos)));
};
const fd = openSync(path, 'r');
try {
  let done = 0;
  for (const [start, end] of spans) {
    hole(done, start);
    for (let pos = start; pos < end; ) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, end - pos), pos);
      if (n === 0) throw new Error('shrank');
      whole.update(buffer.subarray(0, n));
      pos += n;
    }
    done = end;
  }
  hole(done, size);
  parentPort.postMessage(whole.digest('hex'));
} finally {
  closeSync(fd);
}
`;

const shrank = (imagePath: string) =>
  new UserError(`${imagePath} shrank while its bmap was being made; is something writing it?`);

function hashWholeFile(
  imagePath: string,
  spans: [number, number][],
  size: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(wholeFileWorker, {
      eval: true,
      workerData: { path: imagePath, spans, size },
    });
    let digest: string | undefined;
    worker.on('message', (m: string) => (digest = m));
    worker.on('error', (e) => reject(e.message === 'shrank' ? shrank(imagePath) : e));
    worker.on('exit', (code) =>
      digest ? resolve(digest) : reject(new Error(`sha256 worker exited with ${code}`)),
    );
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
    hashWholeFile(imagePath, spans, imageSize),
  ]);
  return {
    xml: serializeBmap({ imageSize, blockSize, checksumType: 'sha256', ranges: hashed }),
    imageSha256,
  };
}
