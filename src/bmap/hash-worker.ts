/**
 * The whole image file's sha256, in a worker thread that src/bmap/create.ts starts while the main
 * thread hashes the mapped ranges: the two hashes of every mapped byte then run on two cores. The
 * worker reads the mapped ranges itself (from the page cache the main thread's reads fill) and
 * hashes the holes as the zeros they read as, without reading them.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

export interface WholeFileJob {
  kind: 'bmap-whole-file';
  path: string;
  /** The mapped byte ranges, [start, end), in order. */
  spans: [number, number][];
  size: number;
}

/** What the worker posts back; any other failure is the worker's 'error' event. */
export type WholeFileResult = { kind: 'digest'; sha256: string } | { kind: 'shrank' };

function hashWholeFile(job: WholeFileJob): WholeFileResult {
  const zeros = Buffer.alloc(8 << 20);
  const buffer = Buffer.allocUnsafe(8 << 20);
  const whole = createHash('sha256');
  const hole = (from: number, to: number) => {
    for (let pos = from; pos < to; pos += zeros.length)
      whole.update(zeros.subarray(0, Math.min(zeros.length, to - pos)));
  };
  const fd = openSync(job.path, 'r');
  try {
    let done = 0;
    for (const [start, end] of job.spans) {
      hole(done, start);
      for (let pos = start; pos < end;) {
        const n = readSync(fd, buffer, 0, Math.min(buffer.length, end - pos), pos);
        if (n === 0) return { kind: 'shrank' };
        whole.update(buffer.subarray(0, n));
        pos += n;
      }
      done = end;
    }
    hole(done, job.size);
    return { kind: 'digest', sha256: whole.digest('hex') };
  } finally {
    closeSync(fd);
  }
}

const job = workerData as Partial<WholeFileJob> | null;
if (!isMainThread && parentPort && job?.kind === 'bmap-whole-file')
  parentPort.postMessage(hashWholeFile(job as WholeFileJob));
