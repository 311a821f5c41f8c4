/**
 * The base image as a local, checked, uncompressed file: a URL goes through the download cache
 * (progress, resume, cached by SHA-256, refused on mismatch); a local file is hashed (once: flash's
 * memo of local images' digests remembers it) and checked against --sha256, a `.sha256` or a
 * `SHA256SUMS` beside it, as a URL is; .xz/.zst/.gz/.zip are unpacked into the work dir.
 */
import { createWriteStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { OptionError } from '../errors.js';
import { CommandFailedError, spawnStreaming, type Command } from '../exec.js';
import { fetchVerified, type DownloadProgress } from '../download/fetch-verified.js';
import { decompressCommand, detectFormat, isUrl, type ImageFormat } from '../source/detect.js';
import { checkDigest, findChecksum } from '../source/checksum.js';
import { sha256OfLocalImage } from '../source/local-digest.js';
import { httpText } from '../source/http.js';
import { isSha256 } from '../source/sha256sums.js';
import { openZip } from '../source/zip.js';
import type { File } from 'unzipper';
import { unlessMissing } from '../fs-errors.js';
import { BadBaseError } from './errors.js';
import { sha256FromFile } from './plan-source.js';

export interface BaseRequest {
  /** Path or URL of a Raspberry Pi OS image (.img, .img.xz, .zip…). */
  base: string;
  sha256?: string;
  allowHttp?: boolean;
  downloadsDir?: string;
  onProgress?: (p: DownloadProgress) => void;
  /** flash's memo of local images' sha256 (verified-images.json); undefined: hash every time. */
  digestMemo?: string;
}

export interface BaseSource {
  input: string;
  /** The local file: the one given, or the download cache's verified copy. */
  path: string;
  sha256: string;
  /** What the checksum was checked against; undefined: nothing to check it against (recorded). */
  checkedAgainst?: string;
  downloaded: boolean;
  /** A local file's sha256 came from the digest memo: the file was not read again. */
  hashRemembered?: boolean;
}

async function expectedFor(
  input: string,
  sha256: string | undefined,
  readBeside: (location: string) => Promise<string | undefined>,
): Promise<{ sha256: string; origin: string } | undefined> {
  if (sha256 !== undefined) {
    if (!isSha256(sha256))
      throw new OptionError(
        (o) => `${o('sha256')} needs 64 hex digits, not '${sha256}'`,
        undefined,
        {
          usage: true,
        },
      );
    return { sha256: sha256.toLowerCase(), origin: 'sha256' };
  }
  const location = `${input}.sha256`;
  const text = await readBeside(location);
  if (text === undefined) return undefined;
  const name = basename(isUrl(input) ? new URL(input).pathname : input);
  const found = sha256FromFile(text, name);
  if (!found) throw new BadBaseError(input, `${location} holds no SHA-256 for ${name}`);
  return { sha256: found, origin: location };
}

export async function obtainBase(r: BaseRequest): Promise<BaseSource> {
  if (isUrl(r.base)) {
    const expected =
      (await expectedFor(r.base, r.sha256, (u) => httpText(u, 4096))) ??
      (await findChecksum(
        { input: r.base, display: r.base, url: r.base },
        {
          allowHttp: r.allowHttp ?? false,
        },
      ));
    if (!expected)
      throw new OptionError(
        (o) =>
          `${r.base}: no ${r.base}.sha256 or SHA256SUMS beside it to check the download against; pass ${o('sha256')}`,
      );
    const file = await fetchVerified({
      url: r.base,
      sha256: expected.sha256,
      origin: expected.origin,
      allowHttp: r.allowHttp ?? false,
      ...(r.downloadsDir ? { downloadsDir: r.downloadsDir } : {}),
      ...(r.onProgress ? { onProgress: r.onProgress } : {}),
    });
    return {
      input: r.base,
      path: file.path,
      sha256: expected.sha256,
      checkedAgainst: expected.origin,
      downloaded: !file.cached,
    };
  }
  const info = await unlessMissing(stat(r.base), undefined);
  if (!info?.isFile())
    throw new BadBaseError(
      r.base,
      'no such file; give a Raspberry Pi OS image (.img, .img.xz, .zip) or its URL',
    );
  if (info.size === 0) throw new BadBaseError(r.base, 'the file is empty; download it again');
  // The same order as for a URL: --sha256, else <file>.sha256, else the SHA256SUMS beside it.
  const expected =
    (await expectedFor(r.base, r.sha256, (p) => unlessMissing(readFile(p, 'utf8'), undefined))) ??
    (await findChecksum({ input: r.base, display: r.base, localPath: r.base }, {}));
  const digest = await sha256OfLocalImage(r.base, r.digestMemo);
  if (expected) checkDigest(r.base, expected, digest.sha256);
  return {
    input: r.base,
    path: r.base,
    sha256: digest.sha256,
    ...(expected ? { checkedAgainst: expected.origin } : {}),
    downloaded: false,
    hashRemembered: digest.remembered,
  };
}

async function head(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(8);
    await fh.read(b, 0, 8, 0);
    return b;
  } finally {
    await fh.close();
  }
}

async function streamTo(cmd: Command, dest: string): Promise<void> {
  const child = spawnStreaming(cmd);
  child.stdin.end();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await pipeline(child.stdout, createWriteStream(dest));
  const result = await child;
  if (result.exitCode !== 0) throw new CommandFailedError(cmd, result.exitCode, stderr);
}

const corruptZip = (base: string, why: unknown) =>
  new BadBaseError(base, 'the zip archive is truncated or corrupt; download it again', [
    why instanceof Error ? why.message : String(why),
  ]);

/** The one image inside a zip archive (Raspberry Pi OS's older releases ship .zip). */
async function zipImage(base: string, zip: string): Promise<File> {
  const directory = await openZip(zip).catch((error: unknown) => {
    throw corruptZip(base, error);
  });
  const images = directory.files.filter((f) => f.type === 'File' && /\.img$/i.test(f.path));
  if (images.length !== 1)
    throw new BadBaseError(
      base,
      `the zip archive holds ${images.length} .img files; give the image itself`,
    );
  return images[0];
}

export interface UnpackedBase {
  /** The raw disk image (the base itself when it was not compressed: only read, never written). */
  image: string;
  format: ImageFormat;
}

export async function unpackBase(src: BaseSource, workDir: string): Promise<UnpackedBase> {
  const format = detectFormat(await head(src.path));
  if (format === 'raw') return { image: src.path, format };
  const image = join(workDir, 'base.img');
  if (format === 'zip') {
    const entry = await zipImage(src.input, src.path);
    await pipeline(entry.stream(), createWriteStream(image)).catch((error: unknown) => {
      throw corruptZip(src.input, error);
    });
    return { image, format };
  }
  const cmd: Command = decompressCommand(format, { pigz: false }, src.path) ?? [
    'gzip',
    ['-dc', '--', src.path],
  ];
  try {
    await streamTo(cmd, image);
  } catch (error) {
    if (!(error instanceof CommandFailedError)) throw error;
    throw new BadBaseError(
      src.input,
      `the ${format} archive is truncated or corrupt; download it again`,
      [error.message],
    );
  }
  return { image, format };
}
