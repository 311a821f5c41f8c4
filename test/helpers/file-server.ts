/**
 * A local http server over a directory, as a release server behaves: ranges (206, 416), an ETag,
 * every request logged. Faults per file make it misbehave the way networks do: drop the
 * connection after some bytes, or stall (send some bytes, then nothing).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface Fault {
  /** Bytes of the body sent before the fault. */
  afterBytes: number;
  /** 'drop': the connection is destroyed; 'stall': it stays open and silent. */
  kind: 'drop' | 'stall';
  /** How many responses get the fault (later ones are whole). */
  times: number;
}

export interface LoggedRequest {
  path: string;
  range?: string;
}

export interface FileServer {
  url: string;
  requests: LoggedRequest[];
  faults: Map<string, Fault>;
  close(): void;
}

export async function serveFiles(dir: string): Promise<FileServer> {
  const requests: LoggedRequest[] = [];
  const faults = new Map<string, Fault>();
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent((req.url ?? '/').split('?')[0]);
      const range = req.headers.range;
      requests.push({ path, ...(range ? { range } : {}) });
      const file = join(dir, path.slice(1));
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) {
        res.writeHead(404).end();
        return;
      }
      const size = info.size;
      const etag = `"${size}-${Math.round(info.mtimeMs)}"`;
      const ifRange = req.headers['if-range'];
      const m = /^bytes=(\d+)-$/.exec(range ?? '');
      const honour = m && (!ifRange || ifRange === etag);
      let start = 0;
      if (honour) {
        start = Number(m[1]);
        if (start >= size) {
          res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
          return;
        }
        res.writeHead(206, {
          'content-range': `bytes ${start}-${size - 1}/${size}`,
          'content-length': String(size - start),
          etag,
        });
      } else {
        res.writeHead(200, { 'content-length': String(size), etag, 'accept-ranges': 'bytes' });
      }
      const fault = faults.get(path);
      if (fault && fault.times > 0) {
        fault.times--;
        const body = createReadStream(file, { start, end: start + fault.afterBytes - 1 });
        body.pipe(res, { end: false });
        body.on('end', () => {
          if (fault.kind === 'drop') setTimeout(() => res.socket?.destroy(), 50);
        });
        return;
      }
      createReadStream(file, { start }).pipe(res);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    faults,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}
