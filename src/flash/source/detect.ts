/**
 * What an image file is, told by its first bytes (never by its name: downloads get renamed),
 * and where its bmap may lie. Pure.
 */
import type { Command } from '../../exec.js';

export type ImageFormat = 'raw' | 'xz' | 'gzip' | 'zstd' | 'zip';

const magics: [ImageFormat, number[]][] = [
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['gzip', [0x1f, 0x8b]],
  ['zip', [0x50, 0x4b, 0x03, 0x04]],
  // An empty archive or one whose first entry is spanned; unzipper reports what is wrong with it.
  ['zip', [0x50, 0x4b, 0x05, 0x06]],
];

/** Bytes detectFormat needs to decide. */
export const magicLength = 6;

export function detectFormat(head: Uint8Array): ImageFormat {
  for (const [format, magic] of magics) {
    if (head.length >= magic.length && magic.every((b, i) => head[i] === b)) return format;
  }
  return 'raw';
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

/**
 * The child process that decompresses a format faster than Node would, reading `file` (or stdin
 * when undefined). xz ≥ 5.4 decompresses multi-block files (made by `xz -T0`) on every core;
 * zstd and pigz are fast single-threaded. undefined: decompress in-process (zlib, unzipper).
 */
export function decompressCommand(
  format: ImageFormat,
  tools: { pigz: boolean },
  file?: string,
): Command | undefined {
  const input = file === undefined ? [] : ['--', file];
  switch (format) {
    case 'xz':
      return ['xz', ['--decompress', '--stdout', '--threads=0', ...input]];
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
