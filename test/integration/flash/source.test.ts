/**
 * Every source yields exactly the image's bytes, even when the reader starts late (a flash does
 * its checks and zeroes the cards' heads between starting the decompressor and reading it).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeSource } from '../../../src/source/probe.js';
import { startSource } from '../../../src/source/start.js';
import { testImage, type TestImage } from '../../helpers/test-image.js';
import { flashSuite } from './suite.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Every byte of the source's stream, read only after it has been running a while. */
async function readLate(source: Awaited<ReturnType<typeof startSource>>): Promise<Buffer> {
  try {
    await sleep(200);
    if (source.input.kind !== 'stream') throw new Error('expected a stream');
    const parts: Buffer[] = [];
    for await (const piece of source.input.stream as AsyncIterable<Buffer>) parts.push(piece);
    await source.input.done;
    return Buffer.concat(parts);
  } finally {
    await source.close();
  }
}

describe('image sources', () => {
  const suite = flashSuite('armada-source-');
  let image: TestImage;
  let expected: string;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    image = await testImage(join(suite.dir(), 'image'));
    expected = sha(await readFile(image.img));
    server = createServer((req, res) => {
      const s = createReadStream(join(suite.dir(), 'image', (req.url ?? '/').slice(1)));
      s.on('error', () => res.writeHead(404).end());
      s.on('open', () => s.pipe(res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server?.closeAllConnections();
    server?.close();
  });

  it.each(['xz', 'gz', 'zst', 'zip'] as const)(
    'a late reader gets every byte of the .%s',
    async (format) => {
      const probe = await probeSource(image[format]);
      expect(probe).toMatchObject({
        format: format === 'gz' ? 'gzip' : format === 'zst' ? 'zstd' : format,
      });
      if (format !== 'gz') expect(probe.imageSize).toBe(image.sizeBytes);
      const source = await startSource(probe);
      expect(sha(await readLate(source))).toBe(expected);
    },
  );

  it.each(['pi.img.xz', 'pi.img', 'pi.zip', 'pi.img.zst'])(
    'a late reader gets every byte of %s over http',
    async (name) => {
      const probe = await probeSource(`${url}/${name}`, { allowHttp: true });
      const source = await startSource(probe);
      expect(sha(await readLate(source))).toBe(expected);
    },
  );

  it('reads a local .img by position', async () => {
    const source = await startSource(await probeSource(image.img));
    expect(source.input).toEqual({ kind: 'file', path: image.img, size: image.sizeBytes });
  });

  it('says what is wrong with a missing file, a directory and an HTTP 404', async () => {
    await expect(probeSource(join(suite.dir(), 'nope.img.xz'))).rejects.toThrow(
      /image .*nope\.img\.xz not found; check the path/,
    );
    await expect(probeSource(suite.dir())).rejects.toThrow(/is not a file/);
    await expect(probeSource(`${url}/missing.img.xz`, { allowHttp: true })).rejects.toThrow(
      /cannot download .*: HTTP 404/,
    );
  });
});
