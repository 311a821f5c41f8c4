/**
 * What an image file is, told by its first bytes (never by its name: downloads get renamed),
 * and where its bmap may lie. Pure.
 */
import type { Command } from '../exec.js';
import { sniff } from './magic.js';

export type ImageFormat = 'raw' | 'xz' | 'gzip' | 'zstd' | 'zip';

/** Bytes detectFormat needs to decide. */
export const magicLength = 6;

/** The image formats among what sniff() tells; anything else is read as a raw image. */
export function detectFormat(head: Uint8Array): ImageFormat {
  const format = sniff(Buffer.from(head.buffer, head.byteOffset, head.byteLength));
  return format === 'xz' || format === 'gzip' || format === 'zstd' || format === 'zip'
    ? format
    : 'raw';
}

const compressionSuffix = /\.(xz|gz|zst|zstd|zip)$/i;

/**
 * Paths (or URLs) where a bmap for `image` may lie, most specific first:
 * name.img.xz → name.img.xz.bmap, name.img.bmap, name.bmap; name.zip → name.zip.bmap,
 * name.img.bmap, name.bmap.
 */
export function bmapCandidates(image: string): string[] {
  const [base, query] = splitQuery(image);
  const uncompressed = base.replace(compressionSuffix, '');
  const stem = uncompressed.replace(/\.img$/i, '');
  const out = [`${base}.bmap`, `${stem}.img.bmap`, `${stem}.bmap`];
  return [...new Set(out)].map((p) => p + query);
}

function splitQuery(location: string): [string, string] {
  if (!/^https?:\/\//i.test(location)) return [location, ''];
  const url = new URL(location);
  const query = url.search + url.hash;
  url.search = '';
  url.hash = '';
  return [url.toString(), query];
}

export function isUrl(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

export interface DecompressTools {
  pigz: boolean;
  /** Stop after the first xz stream and ignore what follows (a payload cut from a kernel image). */
  singleStream?: boolean;
}

/**
 * The child process that decompresses a format faster than Node would, reading `file` (or stdin
 * when undefined). xz ≥ 5.4 decompresses multi-block files (made by `xz -T0`) on every core;
 * zstd and pigz are fast single-threaded. undefined: decompress in-process (zlib, unzipper).
 */
export function decompressCommand(
  format: 'xz' | 'zstd',
  tools: DecompressTools,
  file?: string,
): Command;
export function decompressCommand(
  format: ImageFormat,
  tools: DecompressTools,
  file?: string,
): Command | undefined;
export function decompressCommand(
  format: ImageFormat,
  tools: DecompressTools,
  file?: string,
): Command | undefined {
  const input = file === undefined ? [] : ['--', file];
  switch (format) {
    case 'xz':
      return [
        'xz',
        [
          '--decompress',
          '--stdout',
          tools.singleStream ? '--single-stream' : '--threads=0',
          ...input,
        ],
      ];
    case 'zstd':
      return ['zstd', ['--decompress', '--stdout', '--quiet', ...input]];
    case 'gzip':
      return tools.pigz ? ['pigz', ['--decompress', '--stdout', ...input]] : undefined;
    default:
      return undefined;
  }
}

/** Commands that print the uncompressed size from a file's index, without decompressing it. */
export function sizeCommand(format: ImageFormat, file: string): Command | undefined {
  if (format === 'xz') return ['xz', ['--robot', '--list', '--', file]];
  if (format === 'zstd') return ['zstd', ['--list', '-v', '--', file]];
  return undefined;
}

/** Uncompressed size from `xz --robot --list` or `zstd -lv` output; undefined when not recorded. */
export function parseSizeOutput(format: ImageFormat, output: string): number | undefined {
  if (format === 'xz') {
    // totals <streams> <blocks> <compressed> <uncompressed> <ratio> <checks> <padding>
    const totals = output.split('\n').find((l) => l.startsWith('totals\t'));
    const value = totals?.split('\t')[4];
    return value && /^\d+$/.test(value) ? Number(value) : undefined;
  }
  if (format === 'zstd') {
    const m = /Decompressed Size:.*\((\d+) B\)/.exec(output);
    return m ? Number(m[1]) : undefined;
  }
  return undefined;
}
