import { afterEach, describe, expect, it } from 'vitest';
import {
  interrupt,
  interruptedSignal,
  interruptionSignal,
  onCleanup,
  resetInterruption,
  runCleanup,
  throwIfInterrupted,
  withCleanup,
} from '../../src/cleanup.js';
import { InterruptedError } from '../../src/errors.js';

const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const listeners = () => signals.map((s) => process.listenerCount(s));

afterEach(async () => {
  await runCleanup();
  resetInterruption();
});

describe('cleanup registry as a library', () => {
  it('installs no signal handler when code registers cleanup', async () => {
    const before = listeners();
    const done = onCleanup('noop', () => undefined);
    await withCleanup(async () => {
      onCleanup('scoped noop', () => undefined);
      await Promise.resolve();
    });
    expect(listeners()).toEqual(before);
    await done();
  });

  it('undoes what a scope registered when it ends, newest first, success or failure', async () => {
    const order: string[] = [];
    const deep = async (name: string) => {
      await new Promise((r) => setTimeout(r, 1));
      onCleanup(name, () => void order.push(name));
    };
    await withCleanup(async () => {
      await deep('a');
      await deep('b');
    });
    expect(order).toEqual(['b', 'a']);
    await expect(
      withCleanup(async () => {
        await deep('c');
        throw new Error('step failed');
      }),
    ).rejects.toThrow('step failed');
    expect(order).toEqual(['b', 'a', 'c']);
    // Nothing is left for process exit.
    expect(await runCleanup()).toEqual([]);
    expect(order).toEqual(['b', 'a', 'c']);
  });

  it('runs an action once: a disposer called early is not run again by the scope', async () => {
    let runs = 0;
    await withCleanup(async () => {
      const dispose = onCleanup('once', () => void runs++);
      await dispose();
      await dispose();
    });
    await runCleanup();
    expect(runs).toBe(1);
  });

  it("reports a cleanup failure without hiding the scope's own error", async () => {
    const failures: string[] = [];
    await expect(
      withCleanup(
        async () => {
          onCleanup('bad', () => Promise.reject(new Error('EBUSY')));
          await Promise.reject(new Error('the real error'));
        },
        (f) => failures.push(f),
      ),
    ).rejects.toThrow('the real error');
    expect(failures).toEqual(['bad: EBUSY']);
  });

  it('runCleanup (process exit) waits for an action a scope is still running', async () => {
    let finished = false;
    const scope = withCleanup(async () => {
      onCleanup(
        'slow',
        () => new Promise<void>((r) => setTimeout(() => ((finished = true), r()), 50)),
      );
      await Promise.resolve();
    });
    await new Promise((r) => setTimeout(r, 5));
    await runCleanup();
    expect(finished).toBe(true);
    await scope;
  });

  it('records an interruption once and aborts the signal', () => {
    expect(interruptionSignal().aborted).toBe(false);
    expect(() => throwIfInterrupted()).not.toThrow();
    expect(interrupt('SIGTERM')).toBe(true);
    expect(interrupt('SIGINT')).toBe(false);
    expect(interruptedSignal()).toBe('SIGTERM');
    expect(interruptionSignal().aborted).toBe(true);
    expect(() => throwIfInterrupted()).toThrow(InterruptedError);
  });
});
