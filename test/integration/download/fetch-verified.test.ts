/**
 * fetchVerified against a real local http server: verified into the cache, served from it, a
 * mismatch leaves nothing behind, dropped and stalled connections resume or fail within bounds.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fetchVerified } from '../../../src/download/fetch-verified.js';
import { ChecksumMismatchError, UserError } from '../../../src/errors.js';
import { serveFiles, type FileServer } from '../../helpers/file-server.js';
import { describeNeeds } from '../../helpers/needs.js';
import { suiteTempDir } from '../../helpers/tmp.js';

const MiB = 1 << 20;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('fetchVerified: URL + sha256 → a verified file in the download cache', () => {
  let dir: string;
  let server: FileServer;
  let content: Buffer;
  let sha256: string;
  let downloads: string;
  let run = 0;

  beforeAll(async () => {
    dir = await suiteTempDir('armada-download-');
    await mkdir(join(dir, 'www'));
    content = randomBytes(6 * MiB);
    sha256 = sha(content);
    await writeFile(join(dir, 'www', 'base.img.xz'), content);
    server = await serveFiles(join(dir, 'www'));
  });
  afterAll(() => server?.close());
  beforeEach(() => {
    // A fresh cache per test; the server's log and faults too.
    downloads = join(dir, `cache-${++run}`);
    server.requests.length = 0;
    server.faults.clear();
  });

  const request = (extra: Partial<Parameters<typeof fetchVerified>[0]> = {}) =>
    fetchVerified({
      url: `${server.url}/base.img.xz`,
      sha256,
      origin: '--sha256',
      downloadsDir: downloads,
      allowHttp: true,
      retryDelayMs: 50,
      ...extra,
    });

  it('downloads into <cache>/<sha256>/<name>, checked; the next call reads the cache and asks nothing', async () => {
    const progress: number[] = [];
    const first = await request({ onProgress: (p) => progress.push(p.done), progressEveryMs: 0 });
    expect(first).toEqual({
      path: join(downloads, sha256, 'base.img.xz'),
      cached: false,
      downloadedBytes: content.length,
    });
    expect(sha(await readFile(first.path))).toBe(sha256);
    expect(progress.at(-1)).toBe(content.length);
    expect(await readdir(join(downloads, sha256))).toEqual(['base.img.xz']);
    const asked = server.requests.length;
    const second = await request();
    expect(second).toEqual({ path: first.path, cached: true, downloadedBytes: 0 });
    expect(server.requests.length).toBe(asked);
  });

  it('a cached copy that rotted is fetched again', async () => {
    const first = await request();
    await writeFile(first.path, Buffer.from('not the image'));
    const again = await request();
    expect(again.cached).toBe(false);
    expect(sha(await readFile(again.path))).toBe(sha256);
  });

  it('content that does not match: exit 3, and nothing is left in the cache', async () => {
    const wrong = '0'.repeat(64);
    const error = await request({ sha256: wrong, origin: 'https://example.invalid/SHA256SUMS' })
      .then(() => undefined)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChecksumMismatchError);
    expect((error as ChecksumMismatchError).exitCode).toBe(3);
    expect((error as Error).message).toMatch(
      new RegExp(
        `checksum mismatch for .*base\\.img\\.xz: expected 0{64}, got ${sha256}.*SHA256SUMS`,
      ),
    );
    expect(await readdir(join(downloads, wrong))).toEqual([]);
  });

  it('a connection dropped midway is resumed with a Range request, not fetched again', async () => {
    server.faults.set('/base.img.xz', { kind: 'drop', afterBytes: 2 * MiB, times: 1 });
    const file = await request();
    expect(sha(await readFile(file.path))).toBe(sha256);
    expect(server.requests.map((r) => r.range)).toEqual([undefined, `bytes=${2 * MiB}-`]);
    // Every byte came over the wire once.
    expect(file.downloadedBytes).toBe(content.length);
  });

  it('a download cut off in one run is continued by the next', async () => {
    server.faults.set('/base.img.xz', { kind: 'drop', afterBytes: 3 * MiB, times: 1 });
    const error = await request({ attempts: 1 })
      .then(() => undefined)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(
      /cannot download .*base\.img\.xz: .*\(1 attempts\); the 3145728 bytes received are kept and the next run resumes from there/,
    );
    const kept = join(downloads, sha256, 'base.img.xz.part');
    expect((await stat(kept)).size).toBe(3 * MiB);
    const file = await request();
    expect(file).toMatchObject({ cached: false, resumedFrom: 3 * MiB, downloadedBytes: 3 * MiB });
    expect(server.requests.at(-1)?.range).toBe(`bytes=${3 * MiB}-`);
    expect(sha(await readFile(file.path))).toBe(sha256);
    expect(await readdir(join(downloads, sha256))).toEqual(['base.img.xz']);
  });

  it('a partial file of other content is found out by the checksum and fetched whole', async () => {
    await mkdir(join(downloads, sha256), { recursive: true });
    await writeFile(join(downloads, sha256, 'base.img.xz.part'), randomBytes(MiB));
    const file = await request();
    expect(sha(await readFile(file.path))).toBe(sha256);
    expect(server.requests.map((r) => r.range)).toEqual([`bytes=${MiB}-`, undefined]);
  });

  it('a server that stops sending fails within the idle bound, saying so', async () => {
    server.faults.set('/base.img.xz', { kind: 'stall', afterBytes: MiB, times: 1 });
    const started = Date.now();
    const error = await request({ attempts: 1, idleTimeoutMs: 1000 })
      .then(() => undefined)
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/no data from .*base\.img\.xz for 1 s \(1 attempts\)/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a 404 is not retried and names the URL', async () => {
    const error = await request({ url: `${server.url}/missing.img.xz` })
      .then(() => undefined)
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/cannot download .*missing\.img\.xz: HTTP 404/);
    expect(server.requests).toHaveLength(1);
  });

  describeNeeds({ root: true }, 'on a small disk', () => {
    it('a download that cannot fit fails before writing, naming ARMADA_CACHE_DIR', async () => {
      const small = join(dir, 'small');
      await mkdir(small);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', small]);
      try {
        await expect(request({ downloadsDir: small })).rejects.toThrow(
          /base\.img\.xz needs 6\.3 MB more in .*small.*, which has 2\.\d MB free; free space there or set ARMADA_CACHE_DIR/,
        );
        expect(await readdir(join(small, sha256))).toEqual([]);
        expect(server.requests).toHaveLength(1);
      } finally {
        execFileSync('umount', [small]);
      }
    });
  });

  it('plain http is refused unless allowed, before any request', async () => {
    await expect(request({ allowHttp: false })).rejects.toThrow(/plain http.*--allow-http/);
    expect(server.requests).toHaveLength(0);
  });
});
