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

/**
 * `headersTimeoutMs` bounds the wait for the server's answer; the body has its own idle bound
 * (the caller's, through `abort`).
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
  let response: Response;
  try {
    response = await fetch(url, {
      headers: opts.headers ?? {},
      signal: controller.signal,
      redirect: 'follow',
    });
  } catch (error) {
    if (controller.signal.reason instanceof DownloadTimeoutError) throw controller.signal.reason;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new DownloadNetworkError(
      `cannot download ${url}: ${cause?.code ?? cause?.message ?? (error as Error).message}; check the URL and the network`,
    );
  } finally {
    clearTimeout(timer);
  }
  // fetch follows redirects silently: an https download must not end up on plain http.
  if (/^https:/i.test(url) && /^http:/i.test(response.url)) {
    controller.abort();
    throw new UserError(
      `${url} redirects to plain http (${response.url}); use an https URL, or pass the http one with --allow-http`,
    );
  }
  return {
    response,
    abort: (reason?: unknown) => controller.abort(reason),
    signal: controller.signal,
  };
}
