/**
 * URL + expected sha256 → a verified local file. The file is downloaded into a cache entry named
 * by its sha256, checked, and only then handed out: whatever reads it (flash, a build's base
 * image) never sees a byte that did not match. An interrupted download is kept as a partial file
 * and continued with an HTTP Range request, in this run (bounded retries) or the next one.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, statfs, truncate, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { setTimeout as sleep } from 'node:timers/promises';
import { onCleanup, throwIfInterrupted } from '../cleanup.js';
import { ChecksumMismatchError, UsageError, UserError } from '../errors.js';
import { cacheDir } from '../cache/dir.js';
import { cachePath } from '../cache/layout.js';
import { cacheName, entryDir } from './cache-dir.js';
import { DownloadNetworkError, DownloadTimeoutError, httpGet, type HttpGet } from './http.js';
import { decideResume, resumeHeaders } from './resume.js';
import { isNotFound } from '../fs-errors.js';
import { formatBytes } from '../format-bytes.js';

export interface DownloadProgress {
  /** Bytes of the file on disk, resumed ones included. */
  done: number;
  total?: number;
  elapsedMs: number;
  /** Bytes an earlier attempt or run had already fetched. */
  resumedFrom: number;
}

export interface VerifiedDownloadRequest {
  url: string;
  sha256: string;
  /** Where the expected sha256 came from ('--sha256', a SHA256SUMS), for a mismatch message. */
  origin?: string;
  /** Default: `downloads/` in armada's cache dir. */
  downloadsDir?: string;
  /** Plain http: accepted only when asked for (--allow-http). */
  allowHttp?: boolean;
  onProgress?: (p: DownloadProgress) => void;
  progressEveryMs?: number;
  /** Longest wait for a response's headers. */
  headersTimeoutMs?: number;
  /** Longest pause between two pieces of the body. */
  idleTimeoutMs?: number;
  /** Requests tried before giving up (a dropped connection resumes on the next). */
  attempts?: number;
  /** Wait before the second attempt; doubled for each later one. */
  retryDelayMs?: number;
}

export interface VerifiedFile {
  path: string;
  /** Found in the cache and checked again: nothing was downloaded. */
  cached: boolean;
  /** Bytes that came over the network in this call. */
  downloadedBytes: number;
  /** Size of the partial file this call continued, when it continued one. */
  resumedFrom?: number;
}

function defaultDownloadsDir(): string {
  return cachePath(cacheDir(), 'downloads');
}

async function sha256OfFile(path: string, bytes?: number): Promise<Hash> {
  const hash = createHash('sha256');
  if (bytes === 0) return hash;
  const range = bytes === undefined ? {} : { end: bytes - 1 };
  for await (const piece of createReadStream(path, { highWaterMark: 4 << 20, ...range }))
    hash.update(piece as Buffer);
  return hash;
}

const sizeOf = (path: string) =>
  stat(path).then(
    (s) => s.size,
    () => 0,
  );

function cacheProblem(dir: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC')
    return new UserError(
      `the disk holding ${dir} is full; free space there or set ARMADA_CACHE_DIR to a disk with room for the image`,
    );
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return new UserError(
      `cannot write the download cache ${dir} (${code}); set ARMADA_CACHE_DIR to a directory you can write`,
    );
  return error as Error;
}

const isPartial = (name: string) => /\.part(-\d+)?$/.test(name);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Take the partial file for this process by renaming it (an atomic claim: two runs never append
 * to one file). A partial left by a killed run (`name.part-PID`, PID gone) is claimed too.
 */
async function claimPartial(dir: string, name: string): Promise<string> {
  const own = join(dir, `${name}.part-${process.pid}`);
  const stale = (await readdir(dir))
    .filter((f) => f.startsWith(`${name}.part-`))
    .filter((f) => !alive(Number(f.slice(`${name}.part-`.length))));
  for (const candidate of [`${name}.part`, ...stale]) {
    try {
      await rename(join(dir, candidate), own);
      return own;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  return own;
}

/** Put an unfinished partial back for the next run; an empty one is not worth keeping. */
async function releasePartial(own: string, dir: string, name: string): Promise<void> {
  const size = await stat(own).then(
    (s) => s.size,
    () => undefined,
  );
  if (size === undefined) return;
  if (size === 0) await rm(own, { force: true });
  else await rename(own, join(dir, `${name}.part`));
}

/** A complete file in the entry whose content still has the sha256 (a cache can rot). */
async function cachedCopy(dir: string, name: string, sha256: string): Promise<string | undefined> {
  const names = (await readdir(dir)).filter((f) => !isPartial(f) && !/\.bmap$/i.test(f));
  for (const file of [name, ...names.filter((f) => f !== name)]) {
    const path = join(dir, file);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) continue;
    if ((await sha256OfFile(path)).digest('hex') === sha256) return path;
    await rm(path, { force: true });
  }
  return undefined;
}

/** A download that cannot fit fails before its first byte, not when the disk is full. */
async function checkRoom(url: string, dir: string, need: number): Promise<void> {
  const fs = await statfs(dir).catch(() => undefined);
  if (!fs) return;
  const free = fs.bavail * fs.bsize;
  if (free < need)
    throw new UserError(
      `${url} needs ${formatBytes(need)} more in ${dir}, which has ${formatBytes(free)} free; free space there or set ARMADA_CACHE_DIR to a disk with room`,
    );
}

/** Why one request failed, in words; undefined when it must not be retried. */
function transientReason(error: unknown, get: HttpGet | undefined): string | undefined {
  const reason: unknown = get?.signal.reason;
  if (reason instanceof DownloadTimeoutError) return reason.message;
  if (error instanceof DownloadNetworkError) return error.message;
  if (error instanceof UserError) return undefined;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EACCES' || code === 'EROFS' || code === 'EPERM')
    return undefined;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

interface Attempt {
  url: string;
  part: string;
  get: HttpGet;
  hash: Hash;
  total?: number;
  idleTimeoutMs: number;
  onBytes: (n: number, total?: number) => void;
}

/** Write one response body to the end of the partial file, hashing as it goes. */
async function pump(a: Attempt): Promise<void> {
  const body = a.get.response.body;
  if (!body) throw new DownloadNetworkError(`${a.url} sent no body`);
  const file = await open(a.part, 'a');
  let timer: NodeJS.Timeout | undefined;
  const idle = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () =>
        a.get.abort(
          new DownloadTimeoutError(
            `no data from ${a.url} for ${Math.round(a.idleTimeoutMs / 1000)} s`,
          ),
        ),
      a.idleTimeoutMs,
    );
  };
  try {
    idle();
    const stream = Readable.fromWeb(body as ReadableStream<Uint8Array>, {
      highWaterMark: 4 << 20,
    });
    for await (const piece of stream as AsyncIterable<Buffer>) {
      idle();
      await file.write(piece);
      a.hash.update(piece);
      a.onBytes(piece.length, a.total);
    }
    await file.sync();
  } finally {
    clearTimeout(timer);
    await file.close();
  }
  // A server that closes early without an error (no Content-Length check by fetch) shows here.
  if (a.total !== undefined && (await sizeOf(a.part)) < a.total)
    throw new DownloadNetworkError(`${a.url} ended before its last byte`);
}

export async function fetchVerified(req: VerifiedDownloadRequest): Promise<VerifiedFile> {
  const { url } = req;
  const sha256 = req.sha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(sha256))
    throw new UsageError(`a sha256 has 64 hex digits, not '${req.sha256}'`);
  if (!/^https?:\/\//i.test(url)) throw new UsageError(`${url} is not an http(s) URL`);
  if (/^http:/i.test(url) && !req.allowHttp)
    throw new UsageError(
      `${url} is plain http, which anyone on the way can alter; use https, or pass --allow-http`,
    );
  const downloads = req.downloadsDir ?? defaultDownloadsDir();
  const dir = entryDir(downloads, sha256);
  const name = cacheName(url);
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw cacheProblem(downloads, error);
  }
  const hit = await cachedCopy(dir, name, sha256);
  // The entry's time is when it was last used: `armada cache prune` drops the oldest first.
  const used = () => utimes(dir, new Date(), new Date()).catch(() => undefined);
  if (hit) {
    await used();
    return { path: hit, cached: true, downloadedBytes: 0 };
  }

  const part = await claimPartial(dir, name);
  const release = onCleanup(`keep the partial download of ${url}`, () =>
    releasePartial(part, dir, name),
  );
  try {
    const result = await download(req, sha256, part);
    const final = join(dir, name);
    await rename(part, final);
    await used();
    return { path: final, cached: false, ...result };
  } catch (error) {
    throw cacheProblem(dir, error);
  } finally {
    await release();
  }
}

async function download(
  req: VerifiedDownloadRequest,
  sha256: string,
  part: string,
): Promise<Pick<VerifiedFile, 'downloadedBytes' | 'resumedFrom'>> {
  const { url } = req;
  const attempts = req.attempts ?? 4;
  const started = Date.now();
  const resumedFrom = await sizeOf(part);
  let downloaded = 0;
  let failures = 0;
  let lastReason = '';
  // Resumed bytes may belong to another version of the file: on a mismatch it is fetched whole once.
  let refetched = false;
  let validator: string | undefined;
  let lastReport = 0;
  const report = (done: number, total: number | undefined, force = false) => {
    const now = Date.now();
    if (!req.onProgress || (!force && now - lastReport < (req.progressEveryMs ?? 500))) return;
    lastReport = now;
    req.onProgress({
      done,
      ...(total === undefined ? {} : { total }),
      elapsedMs: now - started,
      resumedFrom,
    });
  };
  const abortCurrent: { get?: HttpGet } = {};
  const stop = onCleanup(`stop downloading ${url}`, () => abortCurrent.get?.abort());
  try {
    while (failures < attempts) {
      if (failures > 0) await sleep((req.retryDelayMs ?? 1000) * 2 ** (failures - 1));
      // After Ctrl-C the aborted request looks like a network failure: no retry then.
      throwIfInterrupted();
      const have = await sizeOf(part);
      let get: HttpGet | undefined;
      try {
        get = await httpGet(url, {
          headers: resumeHeaders(have, validator),
          ...(req.headersTimeoutMs === undefined ? {} : { headersTimeoutMs: req.headersTimeoutMs }),
        });
        abortCurrent.get = get;
        const { response } = get;
        const decision = decideResume(have, response.status, {
          contentRange: response.headers.get('content-range'),
          contentLength: response.headers.get('content-length'),
        });
        if (decision.action === 'fail') {
          get.abort();
          const why = `HTTP ${response.status} ${response.statusText}`;
          if (!decision.retry) throw new UserError(`cannot download ${url}: ${why}; check the URL`);
          throw new DownloadNetworkError(why);
        }
        if (decision.action === 'discard') {
          get.abort();
          await truncate(part, 0);
          throw new DownloadNetworkError(`${url} answered a resumed request with the wrong range`);
        }
        const etag = response.headers.get('etag');
        validator =
          etag && !etag.startsWith('W/')
            ? etag
            : (response.headers.get('last-modified') ?? undefined);
        let hash: Hash;
        if (decision.action === 'complete') {
          get.abort();
          hash = await sha256OfFile(part);
        } else {
          if (decision.action === 'restart') await truncate(part, 0).catch(() => undefined);
          const from = decision.action === 'append' ? have : 0;
          if (decision.total !== undefined) {
            const need = decision.total - from;
            await checkRoom(url, dirname(part), need).catch((error: unknown) => {
              get?.abort();
              throw error;
            });
          }
          hash = await sha256OfFile(part, from);
          let done = from;
          await pump({
            url,
            part,
            get,
            hash,
            ...(decision.total === undefined ? {} : { total: decision.total }),
            idleTimeoutMs: req.idleTimeoutMs ?? 60_000,
            onBytes: (n, total) => {
              done += n;
              downloaded += n;
              report(done, total);
            },
          });
          report(done, decision.total, true);
        }
        const actual = hash.digest('hex');
        if (actual === sha256)
          return { downloadedBytes: downloaded, ...(resumedFrom ? { resumedFrom } : {}) };
        if (!refetched && (have > 0 || decision.action === 'complete')) {
          refetched = true;
          await truncate(part, 0);
          continue;
        }
        await rm(part, { force: true });
        throw new ChecksumMismatchError(
          url,
          sha256,
          actual,
          `the download is not the file ${req.origin ?? 'the expected sha256'} describes (it was deleted, nothing was written); check the URL and the checksum`,
        );
      } catch (error) {
        throwIfInterrupted();
        const reason = transientReason(error, get);
        if (reason === undefined) throw error;
        get?.abort();
        lastReason = reason;
        failures++;
      }
    }
  } finally {
    await stop();
  }
  const kept = await sizeOf(part);
  throw new UserError(
    `cannot download ${url}: ${lastReason} (${attempts} attempts)` +
      (kept
        ? `; the ${kept} bytes received are kept and the next run resumes from there`
        : '; check the URL and the network'),
  );
}
