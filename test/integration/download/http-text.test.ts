/**
 * httpText (SHA256SUMS, bmap, `.sha256`) reads at most the bound it is given, whatever the
 * server says or does not say: a chunked answer without Content-Length used to be read whole
 * into memory, however large. A real http server on 127.0.0.1.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpText as httpTextApi } from '../../../src/source/http.js';
import { findChecksum } from '../../../src/source/checksum.js';
import { findBmapText as findBmapTextApi } from '../../../src/flash/find-bmap.js';
import type { ProbedSource } from '../../../src/source/probe.js';
import { UserError } from '../../../src/errors.js';
import { asCli } from '../../helpers/as-cli.js';

const findBmapText = asCli(findBmapTextApi);
const httpText = asCli(httpTextApi);

const KiB = 1024;
const MiB = 1 << 20;

describe('httpText reads no more than its bound', () => {
  let server: Server;
  let base: string;
  /** Bytes the endless answer had sent when its connection was closed. */
  const endless = { sent: 0, closed: false };

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = req.url ?? '';
      if (url.startsWith('/endless')) {
        // Chunked, no Content-Length, 256 MiB: as good as endless for a reader of small files.
        res.writeHead(200, { 'content-type': 'text/plain' });
        const piece = Buffer.alloc(64 * KiB, 'a');
        const more = () => {
          while (!res.destroyed && endless.sent < 256 * MiB) {
            endless.sent += piece.length;
            if (!res.write(piece)) return;
          }
          if (!res.destroyed) res.end();
        };
        res.on('drain', more);
        res.on('close', () => (endless.closed = true));
        more();
        return;
      }
      const size = Number(/size=(\d+)/.exec(url)?.[1] ?? 0);
      const body = Buffer.alloc(size, 'b');
      if (url.includes('length')) res.writeHead(200, { 'content-length': String(size) });
      else res.writeHead(200); // chunked: the length is not said
      // In pieces, so a chunked answer is really sent in chunks.
      for (let at = 0; at < size; at += 16 * KiB) res.write(body.subarray(at, at + 16 * KiB));
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('a chunked answer over the bound (no Content-Length) is refused with a clear error', async () => {
    const error = await httpText(`${base}/SHA256SUMS?size=${2 * MiB}`, MiB).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(
      `${base}/SHA256SUMS?size=${2 * MiB} is larger than ${MiB} bytes, too big for a bmap or checksum file; check the URL (a bmap can be given with --bmap or left out with --no-bmap)`,
    );
  });

  it('an answer far over the bound is cut off there, its connection closed', async () => {
    const error = await httpText(`${base}/endless`, MiB).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/is larger than 1048576 bytes/);
    await expect.poll(() => endless.closed, { timeout: 5000 }).toBe(true);
    // What was in flight in the socket buffers, not the whole answer.
    expect(endless.sent).toBeLessThan(64 * MiB);
  });

  it('a Content-Length over the bound is refused before the body is read', async () => {
    await expect(httpText(`${base}/x.bmap?size=${MiB + 1}&length`, MiB)).rejects.toThrow(
      /is larger than 1048576 bytes/,
    );
  });

  it('up to the bound, chunked or not, the whole text comes back', async () => {
    for (const url of [`${base}/a?size=${MiB}`, `${base}/a?size=${MiB}&length`])
      expect(await httpText(url, MiB)).toBe('b'.repeat(MiB));
  });

  it('a SHA256SUMS and a bmap from such a server stop the flash before anything is written', async () => {
    const image = `${base}/pi.img.xz`;
    await expect(
      findChecksum(
        { input: image, display: image, url: image },
        { sums: `${base}/SHA256SUMS?size=${2 * MiB}`, allowHttp: true },
      ),
    ).rejects.toThrow(/SHA256SUMS\?size=2097152 is larger than 1048576 bytes/);
    await expect(
      findBmapText(
        { display: image, url: image } as ProbedSource,
        { mode: 'file', path: `${base}/endless` },
        { allowHttp: true },
      ),
    ).rejects.toThrow(/endless is larger than 67108864 bytes/);
  });
});
