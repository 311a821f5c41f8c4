/**
 * gzip in-process; xz and zstd through their tools (Node 20 has neither), streamed so output
 * is capped: a kernel is tens of MB, and a compressed disk image must not fill the memory.
 * Strict mode (whole files) turns damage into a DecompressError; lenient mode (probing offsets
 * inside a kernel image) returns what came out, or undefined.
 */
import { createGunzip } from 'node:zlib';
import { spawnStreaming, type Command } from '../exec.js';
import { decompressCommand } from '../source/detect.js';
import { GzipError, gunzipAll, gunzipMember } from './gzip.js';

export type Compression = 'gzip' | 'xz' | 'zstd';

/** More than any kernel image or config decompresses to. */
const maxDecompressed = 256 * 1024 * 1024;

export class DecompressError extends Error {
  constructor(
    readonly compression: Compression,
    readonly reason: 'truncated' | 'corrupt' | 'too-large',
    message: string,
  ) {
    super(message);
  }
}

/** A kernel payload is followed by other data: xz stops after the first stream. */
export const kernelDecompressCommand = (compression: 'xz' | 'zstd'): Command =>
  decompressCommand(compression, { pigz: false, singleStream: true });

/** Map a compression name (zboot header, file member suffix) to what we can decompress. */
export function compressionNamed(name: string): Compression | undefined {
  if (/^(gz|gzip)/.test(name)) return 'gzip';
  if (/^xz/.test(name)) return 'xz';
  if (/^(zst|zstd)/.test(name)) return 'zstd';
  return undefined;
}

interface ToolOutput {
  data: Buffer;
  exitCode: number | undefined;
  stderr: string;
  tooLarge: boolean;
}

async function runTool(
  bytes: Buffer,
  compression: 'xz' | 'zstd',
  maxBytes: number,
): Promise<ToolOutput> {
  const child = spawnStreaming(kernelDecompressCommand(compression));
  // The tool may stop reading early (end of stream, bad data, or we kill it): not an error here.
  child.stdin.on('error', () => undefined);
  child.stdin.end(bytes);
  const errors: Buffer[] = [];
  child.stderr.on('data', (d: Buffer) => errors.push(d));
  const timer = setTimeout(() => child.kill(), 120_000);
  const chunks: Buffer[] = [];
  let total = 0;
  let tooLarge = false;
  let exitCode: number | undefined;
  try {
    for await (const chunk of child.stdout) {
      const c = chunk as Buffer;
      total += c.length;
      if (total > maxBytes) {
        chunks.push(c.subarray(0, c.length - (total - maxBytes)));
        tooLarge = true;
        child.kill();
        break;
      }
      chunks.push(c);
    }
  } finally {
    child.stdout.destroy();
    exitCode = (await child).exitCode;
    clearTimeout(timer);
  }
  return {
    data: Buffer.concat(chunks),
    exitCode,
    stderr: Buffer.concat(errors).toString(),
    tooLarge,
  };
}

function tooLargeError(compression: Compression, maxBytes: number): DecompressError {
  return new DecompressError(
    compression,
    'too-large',
    `${compression} data decompresses to more than ${maxBytes >> 20} MiB`,
  );
}

/** A whole compressed file; damage, truncation and oversize are errors. */
export async function decompress(
  bytes: Buffer,
  compression: Compression,
  maxBytes = maxDecompressed,
): Promise<Buffer> {
  if (compression === 'gzip') {
    try {
      return gunzipAll(bytes, maxBytes);
    } catch (error) {
      if (!(error instanceof GzipError)) throw error;
      if (error.reason === 'too-large') throw tooLargeError('gzip', maxBytes);
      throw new DecompressError(
        'gzip',
        error.reason === 'truncated' ? 'truncated' : 'corrupt',
        error.message,
      );
    }
  }
  const out = await runTool(bytes, compression, maxBytes);
  if (out.tooLarge) throw tooLargeError(compression, maxBytes);
  if (out.exitCode !== 0) {
    const truncated = /unexpected end|truncated|premature end|incomplete/i.test(out.stderr);
    const last = out.stderr.trim().split('\n').pop() ?? '';
    throw new DecompressError(
      compression,
      truncated ? 'truncated' : 'corrupt',
      `${compression} data is damaged: ${last}`,
    );
  }
  return out.data;
}

/** Whatever decompresses from `bytes` (which may carry trailing data); undefined when nothing does. */
export async function decompressLenient(
  bytes: Buffer,
  compression: Compression,
  maxBytes = maxDecompressed,
): Promise<Buffer | undefined> {
  if (compression === 'gzip') {
    try {
      return gunzipMember(bytes, 0, maxBytes).data;
    } catch (error) {
      if (error instanceof GzipError) return undefined;
      throw error;
    }
  }
  const out = await runTool(bytes, compression, maxBytes);
  return out.data.length ? out.data : undefined;
}

/** The first `length` decompressed bytes (or fewer), to see what a compressed file holds. */
export async function decompressHead(
  bytes: Buffer,
  compression: Compression,
  length: number,
): Promise<Buffer> {
  if (compression !== 'gzip') return (await runTool(bytes, compression, length)).data;
  return new Promise((resolve) => {
    const gunzip = createGunzip();
    const chunks: Buffer[] = [];
    let total = 0;
    const done = () => {
      gunzip.removeAllListeners('data');
      gunzip.destroy();
      resolve(Buffer.concat(chunks).subarray(0, length));
    };
    gunzip.on('data', (c: Buffer) => {
      chunks.push(c);
      total += c.length;
      if (total >= length) done();
    });
    gunzip.on('end', done);
    gunzip.on('error', done);
    gunzip.end(bytes);
  });
}
