import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { retryOnceAfterStall } from '../helpers/run-events.js';
import { GuestStall } from '../helpers/qemu.js';

const isStall = (e: unknown) => e instanceof GuestStall;

describe('retryOnceAfterStall: an emulator stall is restarted once, and shown', () => {
  let dir = '';
  const saved = process.env.ARMADA_TEST_REPORT_DIR;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'armada-events-'));
    process.env.ARMADA_TEST_REPORT_DIR = dir;
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env.ARMADA_TEST_REPORT_DIR;
    else process.env.ARMADA_TEST_REPORT_DIR = saved;
    await rm(dir, { recursive: true, force: true });
  });
  const events = () => readFile(join(dir, 'events.log'), 'utf8').catch(() => '');

  test('a first attempt that works runs once and records nothing', async () => {
    const attempts: number[] = [];
    await expect(
      retryOnceAfterStall('guest a', isStall, (n) => (attempts.push(n), Promise.resolve('up'))),
    ).resolves.toBe('up');
    expect(attempts).toEqual([1]);
    expect(await events()).toBe('');
  });

  test('one stall: a second attempt, and the summary names the guest and the stall', async () => {
    const attempts: number[] = [];
    const result = await retryOnceAfterStall('guest a', isStall, (n) => {
      attempts.push(n);
      return n === 1
        ? Promise.reject(new GuestStall('the guest stalled while waiting for first boot\nconsole…'))
        : Promise.resolve('up');
    });
    expect(result).toBe('up');
    expect(attempts).toEqual([1, 2]);
    expect(await events()).toBe(
      'guest a: booted again after an emulator stall (the guest stalled while waiting for first boot)\n',
    );
  });

  test('a second stall fails', async () => {
    await expect(
      retryOnceAfterStall('guest a', isStall, (n) => Promise.reject(new GuestStall(`stall ${n}`))),
    ).rejects.toThrow('stall 2');
  });

  test('any other failure fails at once, without a second attempt', async () => {
    const attempts: number[] = [];
    await expect(
      retryOnceAfterStall('guest a', isStall, (n) => {
        attempts.push(n);
        return Promise.reject(new Error('first boot failed: armada: TLS'));
      }),
    ).rejects.toThrow('first boot failed');
    expect(attempts).toEqual([1]);
    expect(await events()).toBe('');
  });
});
