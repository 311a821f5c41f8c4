/**
 * The image's first bytes, decompressed, read once before anything is written (and the source
 * closed again): enough to tell a disk image from anything else.
 */
import { open } from 'node:fs/promises';
import type { ProbedSource } from './probe.js';
import { startSource } from './start.js';

/** Up to `bytes` from the start of a file (fewer when the file is shorter). */
export async function readFileHead(path: string, bytes: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

export async function readImageHead(probe: ProbedSource, bytes: number): Promise<Buffer> {
  const source = await startSource(probe);
  try {
    const input = source.input;
    if (input.kind === 'file') return await readFileHead(input.path, bytes);
    const parts: Buffer[] = [];
    let have = 0;
    for await (const piece of input.stream as AsyncIterable<Buffer>) {
      parts.push(piece);
      have += piece.length;
      if (have >= bytes) break;
    }
    // A short stream: the decompressor's own complaint (corrupt, truncated) says more than ours.
    if (have < bytes) await input.done;
    return Buffer.concat(parts).subarray(0, bytes);
  } finally {
    await source.close();
  }
}
