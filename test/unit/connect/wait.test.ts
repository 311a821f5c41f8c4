import { expect, test } from 'vitest';
import { untilReady, worthWaiting, type Attempt } from '../../../src/connect/wait.js';
import type { PingResult } from '../../../src/tls/ping.js';

const fail = (reason: 'dns' | 'refused' | 'tls'): PingResult => ({
  ready: false,
  reason,
  message: reason,
});
const ok: PingResult = { ready: true, ms: 3 };

/** A fake clock: each attempt takes 1 s, each pause as long as asked. */
function clock() {
  let t = 0;
  return {
    now: () => t,
    sleep: (ms: number) => {
      t += ms;
      return Promise.resolve();
    },
    tick: (ms: number) => (t += ms),
  };
}

function attempts(results: PingResult[], c: ReturnType<typeof clock>, seen: number[] = []) {
  return (remainingMs: number): Promise<Attempt> => {
    seen.push(remainingMs);
    c.tick(1000);
    return Promise.resolve({
      target: { name: 'pi-1.local' },
      ping: results.shift() ?? fail('dns'),
    });
  };
}

test('waits through "cannot resolve" and "refused" until the device answers', async () => {
  const c = clock();
  const retries: number[] = [];
  const r = await untilReady(attempts([fail('dns'), fail('refused'), ok], c), {
    waitMs: 60_000,
    now: c.now,
    sleep: c.sleep,
    onRetry: (elapsed) => retries.push(elapsed),
  });
  expect(r).toMatchObject({ timedOut: false, last: { ping: ok } });
  expect(retries).toEqual([1000, 4000]);
});

test('the wait is bounded: no attempt is given more time than is left', async () => {
  const c = clock();
  const seen: number[] = [];
  const r = await untilReady(attempts([], c, seen), {
    waitMs: 10_000,
    now: c.now,
    sleep: c.sleep,
  });
  expect(r.timedOut).toBe(true);
  expect(r.waitedMs).toBeLessThanOrEqual(11_000);
  expect(seen[0]).toBe(10_000);
  expect(Math.min(...seen)).toBeGreaterThan(0);
});

test('no last attempt with (almost) no time left: it could only time out and hide why the others failed', async () => {
  const c = clock();
  const seen: number[] = [];
  const r = await untilReady(attempts([], c, seen), {
    waitMs: 10_500,
    now: c.now,
    sleep: c.sleep,
  });
  expect(r).toMatchObject({ timedOut: true, last: { ping: { reason: 'dns' } } });
  expect(seen).toEqual([10_500, 7500, 4500, 1500]);
});

test('a TLS failure ends the wait at once: waiting cannot fix a certificate', async () => {
  const c = clock();
  const r = await untilReady(attempts([fail('tls'), ok], c), {
    waitMs: 60_000,
    now: c.now,
    sleep: c.sleep,
  });
  expect(r).toMatchObject({ timedOut: false, last: { ping: { reason: 'tls' } } });
  expect(worthWaiting(fail('refused'))).toBe(true);
  expect(worthWaiting(ok)).toBe(false);
});
