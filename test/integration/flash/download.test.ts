/**
 * flash from a URL with a checksum: downloaded into the cache and checked before any card is
 * touched, resumed when the connection drops, read from the cache the next time; --no-checksum
 * streams. Cards are loop devices over random bytes; the server is a local one with ranges.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFile, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { flashImage as flashImageApi } from '../../../src/flash/flash-image.js';
import { ChecksumMismatchError } from '../../../src/errors.js';
import { setLogSinks } from '../../../src/log.js';
import { serveFiles, type FileServer } from '../../helpers/file-server.js';
import { describeNeeds } from '../../helpers/needs.js';
import { testImage, type TestImage } from '../../helpers/test-image.js';
import { expectCardHoldsImage, sha256OfDevice } from './card-check.js';
import { flashOptions, flashSuite } from './suite.js';
import { asCli } from '../../helpers/as-cli.js';

const flashImage = asCli(flashImageApi);

const MiB = 1 << 20;
const bin = new URL('../../../bin/armada.js', import.meta.url).pathname;
const sha256sum = (file: string) =>
  execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0];

describeNeeds({ root: true }, 'flash from a URL through the download cache', () => {
  const suite = flashSuite('armada-flash-download-');
  let image: TestImage;
  let server: FileServer;
  let www: string;
  let xzSha: string;
  let downloads: string;

  beforeAll(async () => {
    image = await testImage(join(suite.dir(), 'image'));
    www = join(suite.dir(), 'www');
    await mkdir(www);
    for (const f of [image.xz, image.bmap]) await copyFile(f, join(www, f.split('/').pop()!));
    xzSha = sha256sum(image.xz);
    const bmapSha = sha256sum(image.bmap);
    await writeFile(join(www, 'SHA256SUMS'), `${xzSha}  pi.img.xz\n${bmapSha}  pi.img.bmap\n`);
    // A release whose SHA256SUMS lists another image, and one whose bmap is not the listed one.
    for (const sub of ['wrongsum', 'badbmap']) {
      await mkdir(join(www, sub));
      await copyFile(image.xz, join(www, sub, 'pi.img.xz'));
      await copyFile(image.bmap, join(www, sub, 'pi.img.bmap'));
    }
    await writeFile(join(www, 'wrongsum', 'SHA256SUMS'), `${'0'.repeat(64)}  pi.img.xz\n`);
    await writeFile(
      join(www, 'badbmap', 'SHA256SUMS'),
      `${xzSha}  pi.img.xz\n${'1'.repeat(64)}  pi.img.bmap\n`,
    );
    server = await serveFiles(www);
    downloads = join(suite.dir(), 'downloads');
  });
  afterAll(() => server?.close());
  beforeEach(() => {
    server.requests.length = 0;
    server.faults.clear();
  });

  const flash = (url: string, device: string, extra: Parameters<typeof flashOptions>[2] = {}) =>
    flashImage(
      flashOptions(url, [device], {
        checksum: { allowHttp: true },
        downloadsDir: downloads,
        ...extra,
      }),
    );

  it('downloads the image and its bmap into the cache, checks them, then writes the card', async () => {
    const card = await suite.card('first.bin', 136 * MiB);
    const result = await flash(`${server.url}/pi.img.xz`, card.device);
    const entry = join(downloads, xzSha);
    expect(result).toMatchObject({
      image: `${server.url}/pi.img.xz`,
      checksum: `${server.url}/SHA256SUMS`,
      bmap: `${server.url}/pi.img.bmap`,
      download: {
        path: join(entry, 'pi.img.xz'),
        cached: false,
        downloadedBytes: (await stat(image.xz)).size,
      },
    });
    expect((await readdir(entry)).sort()).toEqual(['pi.img.bmap', 'pi.img.xz']);
    await expectCardHoldsImage(card.device, image, suite.dir());
  });

  it('the same URL again reads the cache: only SHA256SUMS is asked for', async () => {
    const card = await suite.card('again.bin', 136 * MiB);
    const result = await flash(`${server.url}/pi.img.xz`, card.device);
    expect(result.download).toMatchObject({ cached: true, downloadedBytes: 0 });
    expect(result.bmap).toBe(join(downloads, xzSha, 'pi.img.bmap'));
    expect(server.requests).toEqual([{ path: '/SHA256SUMS' }]);
    await expectCardHoldsImage(card.device, image, suite.dir());
  });

  it('with --sha256 and the image cached, nothing is asked of the server', async () => {
    const card = await suite.card('offline.bin', 136 * MiB);
    const result = await flash(`${server.url}/pi.img.xz`, card.device, {
      checksum: { allowHttp: true, sha256: xzSha },
    });
    expect(result).toMatchObject({ checksum: '--sha256', download: { cached: true } });
    expect(server.requests).toEqual([]);
    await expectCardHoldsImage(card.device, image, suite.dir());
  });

  it('an image that does not match SHA256SUMS: exit 3, the card byte for byte as before, nothing cached', async () => {
    const card = await suite.card('wrong.bin', 136 * MiB);
    const before = await sha256OfDevice(card.device);
    const error = await flash(`${server.url}/wrongsum/pi.img.xz`, card.device).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ChecksumMismatchError);
    expect((error as ChecksumMismatchError).exitCode).toBe(3);
    expect((error as Error).message).toMatch(
      /checksum mismatch for .*wrongsum\/pi\.img\.xz: expected 0{64}, got [0-9a-f]{64}; the download is not the file .*wrongsum\/SHA256SUMS describes/,
    );
    expect(await sha256OfDevice(card.device)).toBe(before);
    expect(await readdir(join(downloads, '0'.repeat(64)))).toEqual([]);
  });

  it('a bmap that is not the one SHA256SUMS lists: exit 3, card untouched', async () => {
    const card = await suite.card('badbmap.bin', 136 * MiB);
    const before = await sha256OfDevice(card.device);
    await expect(
      flash(`${server.url}/badbmap/pi.img.xz`, card.device, {
        downloadsDir: join(suite.dir(), 'downloads-badbmap'),
      }),
    ).rejects.toThrow(
      /checksum mismatch for .*badbmap\/pi\.img\.bmap: expected 1{64}.*the bmap is not the one SHA256SUMS lists/,
    );
    expect(await sha256OfDevice(card.device)).toBe(before);
  });

  it('a connection dropped midway is resumed from where it stopped, and the card is right', async () => {
    const size = (await stat(image.xz)).size;
    const half = Math.floor(size / 2);
    server.faults.set('/pi.img.xz', { kind: 'drop', afterBytes: half, times: 1 });
    const card = await suite.card('resumed.bin', 136 * MiB);
    const result = await flash(`${server.url}/pi.img.xz`, card.device, {
      downloadsDir: join(suite.dir(), 'downloads-resume'),
    });
    expect(server.requests.filter((r) => r.path === '/pi.img.xz')).toEqual([
      { path: '/pi.img.xz' },
      { path: '/pi.img.xz', range: `bytes=${half}-` },
    ]);
    expect(result.download).toMatchObject({ cached: false, downloadedBytes: size });
    await expectCardHoldsImage(card.device, image, suite.dir());
  });

  it('Ctrl-C while downloading: exit 4, card untouched, the partial file kept for the next run, no temp files left', async () => {
    const size = (await stat(image.xz)).size;
    const half = Math.floor(size / 2);
    server.faults.set('/pi.img.xz', { kind: 'stall', afterBytes: half, times: 1 });
    const card = await suite.card('sigint.bin', 136 * MiB);
    const before = await sha256OfDevice(card.device);
    const cache = join(suite.dir(), 'cache-sigint');
    const tmp = join(suite.dir(), 'tmp-sigint');
    await mkdir(tmp);
    const child = spawn(
      process.execPath,
      [
        bin,
        'flash',
        `${server.url}/pi.img.xz`,
        card.device,
        '--yes',
        '--allow-virtual',
        '--no-seed',
        '--allow-http',
      ],
      { env: { ...process.env, CI: '1', ARMADA_CACHE_DIR: cache, TMPDIR: tmp } },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const entry = join(cache, 'downloads', xzSha);
    const partSize = async () => {
      const names = await readdir(entry).catch(() => [] as string[]);
      const part = names.find((n) => n.startsWith('pi.img.xz.part-'));
      return part ? (await stat(join(entry, part))).size : 0;
    };
    for (let i = 0; i < 150 && (await partSize()) < half; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(await partSize(), `the download did not reach ${half} bytes; stderr:\n${stderr}`).toBe(
      half,
    );
    child.kill('SIGINT');
    const code = await Promise.race([
      exited,
      new Promise((r) => setTimeout(() => r('timeout'), 15_000)),
    ]);
    expect(code, `flash did not exit within 15 s of SIGINT; stderr:\n${stderr}`).toBe(4);
    expect(stderr).toMatch(/interrupted by SIGINT/);
    expect(await readdir(entry)).toEqual(['pi.img.xz.part']);
    // Its own TMPDIR: what the interrupted flash left there is what it failed to clean up.
    expect(await readdir(tmp)).toEqual([]);
    expect((await stat(join(entry, 'pi.img.xz.part'))).size).toBe(half);
    expect(await sha256OfDevice(card.device)).toBe(before);
    // The next run continues from there.
    const result = await flash(`${server.url}/pi.img.xz`, card.device, {
      downloadsDir: join(cache, 'downloads'),
    });
    expect(result.download).toMatchObject({ resumedFrom: half, downloadedBytes: size - half });
    await expectCardHoldsImage(card.device, image, suite.dir());
  });

  it('--no-checksum streams the URL to the card, not cached, and says so', async () => {
    const lines: string[] = [];
    setLogSinks(
      (line) => lines.push(line),
      () => undefined,
    );
    try {
      const card = await suite.card('stream.bin', 136 * MiB);
      const dir = join(suite.dir(), 'downloads-stream');
      const result = await flash(`${server.url}/pi.img.xz`, card.device, {
        checksum: { allowHttp: true, skip: true },
        downloadsDir: dir,
      });
      expect(result.download).toBeUndefined();
      expect(result.checksum).toBeUndefined();
      expect(lines.join('\n')).toMatch(
        /WARNING: --no-checksum: .*pi\.img\.xz is written to the card as it arrives, unverified and not cached/,
      );
      await expect(stat(dir)).rejects.toThrow(/ENOENT/);
      await expectCardHoldsImage(card.device, image, suite.dir());
    } finally {
      setLogSinks(
        (line) => process.stderr.write(`${line}\n`),
        (text) => process.stdout.write(text),
      );
    }
  });
});
