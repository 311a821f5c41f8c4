/**
 * One GET over http(s) with the rules every download keeps: a bounded wait for the response
 * headers, no silent fall from https to plain http on a redirect, and errors that name the URL.
 */
import { UserError } from '../errors.js';

export interface HttpGet {
  response: Response;
  abort: (reason?: unknown) => void;
  signal: AbortSignal;
}

/** The network failed (refused, reset, timed out): worth asking again, resuming. */
export class DownloadNetworkError extends UserError {}

export class DownloadTimeoutError extends DownloadNetworkError {}

/** Redirects followed before giving up (fetch's own limit). */
const maxRedirects = 20;

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/**
 * `headersTimeoutMs` bounds the wait for the server's answer (every redirect included); the body
 * has its own idle bound (the caller's, through `abort`).
 */
export async function httpGet(
  url: string,
  opts: { headers?: Record<string, string>; headersTimeoutMs?: number } = {},
): Promise<HttpGet> {
  const controller = new AbortController();
  const timeoutMs = opts.headersTimeoutMs ?? 30_000;
  const timer = setTimeout(
    () =>
      controller.abort(
        new DownloadTimeoutError(
          `cannot download ${url}: no answer within ${Math.round(timeoutMs / 1000)} s; check the URL and the network`,
        ),
      ),
    timeoutMs,
  );
  // Redirects are followed here, one hop at a time: fetch would follow https → http → https
  // silently, and only the last URL could be checked, when the plain-http hop already let
  // anyone on the way choose where the rest of the chain goes.
  const https = /^https:/i.test(url);
  let current = url;
  let response: Response;
  try {
    for (let hops = 0; ; hops++) {
      try {
        response = await fetch(current, {
          headers: opts.headers ?? {},
          signal: controller.signal,
          redirect: 'manual',
        });
      } catch (error) {
        if (controller.signal.reason instanceof DownloadTimeoutError)
          throw controller.signal.reason;
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        throw new DownloadNetworkError(
          `cannot download ${url}: ${cause?.code ?? cause?.message ?? (error as Error).message}; check the URL and the network`,
        );
      }
      const location = response.headers.get('location');
      if (!redirectStatuses.has(response.status) || location === null) break;
      await response.body?.cancel().catch(() => undefined);
      const next = redirectTarget(url, current, location, https);
      if (hops + 1 > maxRedirects)
        throw new UserError(
          `${url} redirects more than ${maxRedirects} times (last to ${next}); check the URL`,
        );
      current = next;
    }
  } catch (error) {
    controller.abort();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return {
    response,
    abort: (reason?: unknown) => controller.abort(reason),
    signal: controller.signal,
  };
}

/** Where a redirect leads; an https download never takes a hop that is not https. */
function redirectTarget(url: string, from: string, location: string, https: boolean): string {
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw new UserError(`${url} redirects to '${location}', which is not a URL; check the URL`);
  }
  if (https && next.protocol !== 'https:')
    throw new UserError(
      `${url} redirects through ${next.protocol === 'http:' ? 'plain http' : next.protocol}: ${from} → ${next.href}; ` +
        'anyone on the way could change what follows: use an https URL that stays on https',
    );
  if (next.protocol !== 'https:' && next.protocol !== 'http:')
    throw new UserError(`${url} redirects to ${next.href}, which is not http(s); check the URL`);
  return next.href;
}
