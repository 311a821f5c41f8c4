/**
 * `connect --wait`: a device on its first boot (1–4 minutes) does not resolve, then refuses,
 * then answers. Try again until it answers or the wait ends; stop at once on what waiting
 * cannot fix (a certificate that does not fit).
 */
import type { PingResult } from '../tls/ping.js';
import type { DialTarget } from './resolve.js';

export interface Attempt {
  target: DialTarget;
  ping: PingResult;
}

export interface WaitOptions {
  waitMs: number;
  /** Between attempts (default 2 s). */
  intervalMs?: number;
  /** Called after each failed attempt that will be retried. */
  onRetry?: (elapsedMs: number, last: Attempt) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Pure: failures that end by themselves while a device boots. A TLS failure does not. */
export function worthWaiting(p: PingResult): boolean {
  return !p.ready && p.reason !== 'tls';
}

export interface Waited {
  last: Attempt;
  waitedMs: number;
  /** The wait ran out with the device still not answering. */
  timedOut: boolean;
}

const minAttemptMs = 1000;

/** `attempt` gets the time left, so that no attempt runs past the end of the wait. */
export async function untilReady(
  attempt: (remainingMs: number) => Promise<Attempt>,
  opts: WaitOptions,
): Promise<Waited> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const started = now();
  const deadline = started + opts.waitMs;
  for (;;) {
    const last = await attempt(Math.max(1, deadline - now()));
    const elapsed = now() - started;
    if (!worthWaiting(last.ping)) return { last, waitedMs: elapsed, timedOut: false };
    // The next attempt gets a second at least: one with less can only time out, and its "no
    // answer within 0 s" would hide why the real attempts failed (the name never resolved).
    const pause = Math.min(opts.intervalMs ?? 2000, deadline - now() - minAttemptMs);
    if (pause < 0) return { last, waitedMs: elapsed, timedOut: true };
    opts.onRetry?.(elapsed, last);
    await sleep(pause);
  }
}
