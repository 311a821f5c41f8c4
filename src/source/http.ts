/**
 * Small reads over http(s): an image's first bytes, a bmap, a SHA256SUMS, and the whole image as
 * a stream when it is written unchecked (--no-checksum). Checked images go through src/download/.
 */
import { Readable } from 'node:stream';
import { UserError } from '../errors.js';
import { httpGet } from '../download/http.js';
import { option } from '../option-names.js';

export interface HttpBody {
  stream: Readable;
  /** Size of the whole resource, when the server says (Content-Length or Content-Range). */
  totalBytes?: number;
  abort(): void;
}

async function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ response: Response; abort: () => void }> {
  const { response, abort } = await httpGet(url, { headers });
  return { response, abort: () => abort() };
}

function totalOf(response: Response): number | undefined {
  const range = /\/(\d+)$/.exec(response.headers.get('content-range') ?? '');
  if (range) return Number(range[1]);
  const length = response.headers.get('content-length');
  return response.status === 200 && length && /^\d+$/.test(length) ? Number(length) : undefined;
}

/** GET the resource as a stream; `firstBytes` asks only for a prefix (servers may send all). */
export async function httpStream(url: string, firstBytes?: number): Promise<HttpBody> {
  const { response, abort } = await get(
    url,
    firstBytes ? { range: `bytes=0-${firstBytes - 1}` } : {},
  );
  if (!response.ok || !response.body) {
    abort();
    throw new UserError(
      `cannot download ${url}: HTTP ${response.status} ${response.statusText}; check the URL`,
    );
  }
  const total = totalOf(response);
  const stream = Readable.fromWeb(
    response.body as import('node:stream/web').ReadableStream<Uint8Array>,
    { highWaterMark: 4 << 20 },
  );
  // An aborted download surfaces as a stream error; the pump reports it.
  return { stream, ...(total === undefined ? {} : { totalBytes: total }), abort };
}

/** The first `n` bytes of a resource (fewer when it is shorter). */
export async function httpHead(
  url: string,
  n: number,
): Promise<{ bytes: Buffer; totalBytes?: number }> {
  const body = await httpStream(url, n);
  const parts: Buffer[] = [];
  let have = 0;
  try {
    for await (const piece of body.stream as AsyncIterable<Buffer>) {
      parts.push(piece);
      have += piece.length;
      if (have >= n) break;
    }
  } finally {
    body.abort();
    body.stream.destroy();
  }
  return {
    bytes: Buffer.concat(parts).subarray(0, n),
    ...(body.totalBytes === undefined ? {} : { totalBytes: body.totalBytes }),
  };
}

/**
 * A small text resource (a bmap, a SHA256SUMS); undefined on 404/410 so callers can try the next
 * name. At most `maxBytes` are read, whatever the server says its length is (or does not say).
 */
export async function httpText(url: string, maxBytes: number): Promise<string | undefined> {
  const { response, abort } = await get(url);
  if (response.status === 404 || response.status === 410 || response.status === 403) {
    abort();
    return undefined;
  }
  if (!response.ok) {
    abort();
    throw new UserError(`cannot download ${url}: HTTP ${response.status} ${response.statusText}`);
  }
  const tooBig = () =>
    new UserError(
      `${url} is larger than ${maxBytes} bytes, too big for a bmap or checksum file; check the URL (a bmap can be given with ${option('bmap')} or left out with ${option('noBmap')})`,
    );
  const length = Number(response.headers.get('content-length') ?? 0);
  if (length > maxBytes) {
    abort();
    throw tooBig();
  }
  const parts: Buffer[] = [];
  let have = 0;
  try {
    for await (const piece of (response.body ?? []) as AsyncIterable<Uint8Array>) {
      have += piece.length;
      if (have > maxBytes) throw tooBig();
      parts.push(Buffer.from(piece));
    }
  } finally {
    // Stops a body that was cut short here (or never ends) from being downloaded any further.
    if (have > maxBytes) abort();
  }
  // As response.text() decodes: UTF-8, a byte-order mark dropped.
  return new TextDecoder().decode(Buffer.concat(parts));
}
