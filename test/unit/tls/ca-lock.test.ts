import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { parseLockOwner, staleLockReason, withCaLock } from '../../../src/tls/ca-lock.js';
import { runCleanup } from '../../../src/cleanup.js';
import { setLogSinks } from '../../../src/log.js';
import { suiteTempDir } from '../../helpers/tmp.js';

const root = await suiteTempDir('armada-ca-lock-');
let n = 0;
const caDir = async () => {
  const dir = join(root, `ca-${++n}`);
  await mkdir(dir, { mode: 0o700 });
  return dir;
};
const dotFiles = async (dir: string) => (await readdir(dir)).filter((f) => f.startsWith('.'));

const warnings: string[] = [];
setLogSinks(
  (line) => warnings.push(line),
  () => undefined,
);
afterEach(() => {
  warnings.length = 0;
});

function deadPid(): number {
  return Number(
    spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout,
  );
}

describe('parseLockOwner', () => {
  test.each([
    ['1234 pi-laptop 9f8e\n', { pid: 1234, host: 'pi-laptop' }],
    ['1234\n', { pid: 1234 }],
    ['', undefined],
    ['abc host', undefined],
    ['0 host', undefined],
  ])('%j', (text, owner) => {
    expect(parseLockOwner(text)).toEqual(owner);
  });
});

describe('staleLockReason', () => {
  const self = { pid: 100, host: 'here' };
  const alive = (pid: number) => pid === 200;
  const young = 5_000;
  const old = 200_000;
  test.each([
    [
      'dead owner here',
      { pid: 300, host: 'here' },
      young,
      /process 300, which made it, is no longer running/,
    ],
    ['dead owner, no host (older armada)', { pid: 300 }, young, /no longer running/],
    ['this pid (an earlier process)', { pid: 100, host: 'here' }, young, /process 100/],
    ['live owner here', { pid: 200, host: 'here' }, young, undefined],
    ['live owner here, very old', { pid: 200, host: 'here' }, old, /200 s old/],
    ['owner on another host, young', { pid: 300, host: 'there' }, young, undefined],
    [
      'owner on another host, old',
      { pid: 300, host: 'there' },
      old,
      /200 s old \(process 300 on there/,
    ],
    ['no owner, young', undefined, 1_000, undefined],
    ['no owner, old', undefined, 11_000, /names no owner and is 11 s old/],
  ] as const)('%s', (_name, owner, ageMs, reason) => {
    const got = staleLockReason({ owner, ageMs, self, alive, heldHere: false });
    if (reason === undefined) expect(got).toBeUndefined();
    else expect(got).toMatch(reason);
  });

  test('this pid holding it now (another call in this process) is not stale', () => {
    const owner = { pid: 100, host: 'here' };
    expect(staleLockReason({ owner, ageMs: young, self, alive, heldHere: true })).toBeUndefined();
  });
});

describe('withCaLock', () => {
  test('holds <caDir>/.lock naming this process while fn runs, and removes it after', async () => {
    const dir = await caDir();
    const seen = await withCaLock(dir, () => readFile(join(dir, '.lock'), 'utf8'));
    expect(parseLockOwner(seen)).toEqual({ pid: process.pid, host: hostname() });
    expect(await dotFiles(dir)).toEqual([]);
  });

  test('fn failing: the lock is removed and the error is fn’s', async () => {
    const dir = await caDir();
    await expect(
      withCaLock(dir, () => Promise.reject(new Error('CA creation failed'))),
    ).rejects.toThrow('CA creation failed');
    expect(await dotFiles(dir)).toEqual([]);
  });

  test('interrupted (the CLI runs the cleanup on SIGINT): the lock is removed', async () => {
    const dir = await caDir();
    let release!: () => void;
    const held = withCaLock(dir, () => new Promise<void>((r) => (release = r)));
    while (!(await dotFiles(dir)).includes('.lock')) await new Promise((r) => setTimeout(r, 5));
    await runCleanup();
    expect(await dotFiles(dir)).toEqual([]);
    release();
    await held;
  });

  test('two runs at once take turns', async () => {
    const dir = await caDir();
    const order: string[] = [];
    const run = (name: string) =>
      withCaLock(dir, async () => {
        order.push(`${name} in`);
        await new Promise((r) => setTimeout(r, 150));
        order.push(`${name} out`);
      });
    await Promise.all([run('a'), run('b')]);
    expect(order).toEqual(
      order[0] === 'a in' ? ['a in', 'a out', 'b in', 'b out'] : ['b in', 'b out', 'a in', 'a out'],
    );
    expect(await dotFiles(dir)).toEqual([]);
  });

  test('a lock whose owner died is taken over at once, saying so', async () => {
    const dir = await caDir();
    const pid = deadPid();
    await writeFile(join(dir, '.lock'), `${pid} ${hostname()} 00\n`);
    const started = Date.now();
    await withCaLock(dir, () => Promise.resolve(), { waitMs: 20_000 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(warnings.join('\n')).toMatch(
      new RegExp(
        `taking over .*\\.lock: armada process ${pid}, which made it, is no longer running`,
      ),
    );
    expect(await dotFiles(dir)).toEqual([]);
  });

  test('a live owner’s lock is waited for, then refused naming the process; it stays', async () => {
    const dir = await caDir();
    const theirs = `${process.ppid} ${hostname()} 00\n`;
    await writeFile(join(dir, '.lock'), theirs);
    await expect(withCaLock(dir, () => Promise.resolve(), { waitMs: 300 })).rejects.toThrow(
      new RegExp(`another armada run \\(process ${process.ppid}\\) is creating the laptop CA`),
    );
    expect(await readFile(join(dir, '.lock'), 'utf8')).toBe(theirs);
    expect(await dotFiles(dir)).toEqual(['.lock']);
  });

  test('a lock another run took over meanwhile is not removed by this one', async () => {
    const dir = await caDir();
    const theirs = `${process.ppid} ${hostname()} 11\n`;
    await withCaLock(dir, () => writeFile(join(dir, '.lock'), theirs));
    expect(await readFile(join(dir, '.lock'), 'utf8')).toBe(theirs);
  });
});
