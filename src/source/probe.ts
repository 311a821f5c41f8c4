/**
 * Everything flash must know about the image before anything is written: format (by magic
 * bytes), uncompressed size where the file records it, and a bmap packed inside a zip.
 */
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { CentralDirectory } from 'unzipper';
import { UsageError, UserError } from '../errors.js';
import { run } from '../exec.js';
import {
  detectFormat,
  isUrl,
  magicLength,
  parseSizeOutput,
  sizeCommand,
  type ImageFormat,
} from './detect.js';
import { httpHead } from './http.js';
import { openZip } from './zip.js';
import { readFileHead } from './read-head.js';

export interface ProbedSource {
  /** What the user named: a path or a URL. */
  input: string;
  /** For messages: file name or URL. */
  display: string;
  url?: string;
  /** Absolute path of a local image file. */
  localPath?: string;
  format: ImageFormat;
  compressedSize?: number;
  /** Uncompressed size, when known before reading the image. */
  imageSize?: number;
  /** The image file inside a zip archive. */
  zipEntry?: string;
  /** A bmap found inside the zip archive. */
  innerBmap?: { text: string; origin: string };
}

async function readHead(path: string): Promise<Buffer> {
  return readFileHead(path, magicLength).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EACCES')
      throw new UserError(`cannot read ${path}: permission denied; run it again with sudo`);
    throw error;
  });
}

const bmapMaxBytes = 64 << 20;

async function probeZip(
  path: string,
  display: string,
): Promise<Pick<ProbedSource, 'zipEntry' | 'imageSize' | 'innerBmap'>> {
  let directory: CentralDirectory;
  try {
    directory = await openZip(path);
  } catch (error) {
    throw new UserError(
      `${display} is not a readable zip archive (${(error as Error).message}); download it again`,
    );
  }
  const files = directory.files.filter((f) => f.type === 'File');
  const image = files.find((f) => /\.img$/i.test(f.path));
  if (!image) {
    throw new UserError(
      `${display} holds no .img file (it has: ${
        files
          .map((f) => f.path)
          .slice(0, 5)
          .join(', ') || 'nothing'
      })`,
    );
  }
  const stem = image.path.replace(/\.img$/i, '');
  const bmapEntry =
    files.find((f) => f.path === `${image.path}.bmap`) ??
    files.find((f) => f.path === `${stem}.bmap`) ??
    files.find((f) => /\.bmap$/i.test(f.path));
  let innerBmap: ProbedSource['innerBmap'];
  if (bmapEntry && bmapEntry.uncompressedSize <= bmapMaxBytes) {
    try {
      innerBmap = {
        text: (await bmapEntry.buffer()).toString('utf8'),
        origin: `${display}:${bmapEntry.path}`,
      };
    } catch (error) {
      throw new UserError(
        `${display}: cannot unpack ${bmapEntry.path} (${(error as Error).message}); the archive is corrupt, download it again`,
      );
    }
  }
  return {
    zipEntry: image.path,
    imageSize: image.uncompressedSize,
    ...(innerBmap ? { innerBmap } : {}),
  };
}

async function probeFile(input: string): Promise<ProbedSource> {
  const localPath = resolve(input);
  const info = await stat(localPath).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new UserError(`image ${input} not found; check the path`);
    throw error;
  });
  if (!info.isFile())
    throw new UserError(
      `${input} is not a file; name an image file (.img, .img.xz, .img.gz, .img.zst, .zip) or a URL`,
    );
  if (info.size === 0) throw new UserError(`${input} is empty; download it again`);
  const format = detectFormat(await readHead(localPath));
  const base: ProbedSource = {
    input,
    display: basename(input),
    localPath,
    format,
    compressedSize: info.size,
  };
  if (format === 'raw') return { ...base, imageSize: info.size };
  if (format === 'zip') return { ...base, ...(await probeZip(localPath, base.display)) };
  const cmd = sizeCommand(format, localPath);
  if (!cmd) return base;
  const result = await run(cmd, { allowFailure: true });
  // xz reads its index from the end of the file: a truncated or cut .xz fails here, at once,
  // before any card is touched (zstd frames carry no such index: streaming tells).
  if (format === 'xz' && result.exitCode !== 0) {
    const why = (result.stderr.trim().split('\n').pop() ?? '').replace(/^xz: (.*?: )?/, '');
    throw new UserError(
      `${base.display} is truncated or corrupt (${why || `xz exited with ${result.exitCode}`}); download it again`,
    );
  }
  const imageSize =
    result.exitCode === 0
      ? parseSizeOutput(format, `${result.stdout}\n${result.stderr}`)
      : undefined;
  return imageSize === undefined ? base : { ...base, imageSize };
}

async function probeUrl(url: string): Promise<ProbedSource> {
  const { bytes, totalBytes } = await httpHead(url, magicLength);
  if (bytes.length === 0) throw new UserError(`${url} is empty; check the URL`);
  const format = detectFormat(bytes);
  return {
    input: url,
    display: url,
    url,
    format,
    ...(totalBytes === undefined ? {} : { compressedSize: totalBytes }),
    ...(format === 'raw' && totalBytes !== undefined ? { imageSize: totalBytes } : {}),
  };
}

/** Refuse what is no source at all (ftp://) and plain http unless asked for: no network yet. */
export function checkSourceScheme(input: string, opts: { allowHttp?: boolean } = {}): void {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(input)?.[1];
  if (scheme && !isUrl(input))
    throw new UsageError(
      `${scheme}:// images are not supported; give a local file or an https:// URL`,
    );
  if (/^http:/i.test(input) && !opts.allowHttp)
    throw new UsageError(
      `${input} is plain http, which anyone on the way can alter; use https, or pass --allow-http`,
    );
}

export async function probeSource(
  input: string,
  opts: { allowHttp?: boolean } = {},
): Promise<ProbedSource> {
  checkSourceScheme(input, opts);
  return isUrl(input) ? probeUrl(input) : probeFile(input);
}
