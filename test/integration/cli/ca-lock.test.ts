/**
 * The CA lock (`<cfg>/ca/.lock`) as people meet it: a CA creation that fails leaves no lock
 * behind (so the next run does not wait 30 s and then refuse), a lock whose owner died is taken
 * over at once, and a full file system is blamed on the config dir, not on a card.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { armada, buildCli } from '../../helpers/cli.js';
import { describeNeeds, toolsReason } from '../../helpers/needs.js';
import { suiteTempDir } from '../../helpers/tmp.js';

const dir = await suiteTempDir('armada-ca-lock-');
beforeAll(() => buildCli());

/** The pid of a process that has exited (and so owns nothing any more). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(r.stdout);
}

/** Takes every free byte of the file system holding `dir`. */
function fill(dir: string): void {
  try {
    for (;;) appendFileSync(join(dir, 'filler'), Buffer.alloc(4096));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  }
}

/** Leftovers in a CA dir: the lock, temp files, locks moved aside. */
const leftovers = (caDir: string) =>
  existsSync(caDir) ? readdirSync(caDir).filter((f) => f.startsWith('.')) : [];

describe('a lock left by a run that died', () => {
  test.each([
    [
      'written by this version (pid, host, token)',
      'new',
      (pid: number) => `${pid} ${hostname()} 0123\n`,
    ],
    ['written by older versions (the pid alone)', 'old', (pid: number) => `${pid}\n`],
  ])(
    '%s is taken over at once, with a message',
    async (_name, format, content) => {
      const config = join(dir, `stale-${format}`);
      mkdirSync(join(config, 'ca'), { recursive: true, mode: 0o700 });
      const pid = deadPid();
      expect(() => process.kill(pid, 0)).toThrow();
      writeFileSync(join(config, 'ca', '.lock'), content(pid), { mode: 0o600 });
      const started = Date.now();
      const r = await armada(['ca', 'init'], { env: { ARMADA_CONFIG_DIR: config } });
      const seconds = (Date.now() - started) / 1000;
      expect(r.code, r.stderr).toBe(0);
      expect(seconds).toBeLessThan(10);
      expect(r.stderr).toMatch(
        new RegExp(
          `taking over .*/ca/\\.lock: armada process ${pid}, which made it, is no longer running`,
        ),
      );
      expect(r.stdout).toMatch(/created the laptop CA/);
      expect(leftovers(join(config, 'ca'))).toEqual([]);
    },
    60_000,
  );
});

describeNeeds(
  { root: true, unless: toolsReason('mount', 'umount') },
  'a full file system under the config dir',
  () => {
    const mnt = join(dir, 'full');
    const config = join(mnt, 'armada');
    const env = { ARMADA_CONFIG_DIR: config };
    beforeAll(() => {
      mkdirSync(mnt);
      // Small and full: creating directories still works, writing a byte does not.
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0755', 'tmpfs', mnt]);
      fill(mnt);
    });
    afterAll(() => {
      execFileSync('umount', [mnt]);
    });

    test('a failed CA creation leaves no lock and names the config dir; the next run goes on at once', async () => {
      const failed = await armada(['ca', 'init'], { env });
      expect(failed.code, failed.stderr).toBe(1);
      expect(leftovers(join(config, 'ca'))).toEqual([]);
      expect(failed.stderr).toMatch(
        new RegExp(`^armada: no space left for armada's config dir ${config}.*ENOSPC.*df -h`),
      );
      expect(failed.stderr).not.toMatch(/device being written|internal error/);

      rmSync(join(mnt, 'filler'));
      const started = Date.now();
      const next = await armada(['ca', 'init'], { env });
      expect(next.code, next.stderr).toBe(0);
      expect((Date.now() - started) / 1000).toBeLessThan(10);
      expect(next.stderr).not.toMatch(/taking over/);
      expect(leftovers(join(config, 'ca'))).toEqual([]);
      fill(mnt);
    }, 60_000);

    test('config set on a full file system names the config dir', async () => {
      const r = await armada(['config', 'set', 'wifiCountry', 'DE'], { env });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(`^armada: no space left for armada's config dir ${config}`),
      );
      expect(r.stderr).not.toMatch(/device being written/);
      expect(readdirSync(config).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    });
  },
);
