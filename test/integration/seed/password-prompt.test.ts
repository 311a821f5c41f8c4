/**
 * The no-echo password prompt in a real pseudo-terminal: `script` (util-linux) gives armada a
 * terminal whose line discipline echoes what is typed unless armada turns echo off. The typed
 * passwords must not come back, and the seed must carry their hash.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { parseSeedEnv } from '../../../src/seed/seed-env.js';
import { sha512CryptWithSetting } from '../../../src/seed/sha512-crypt.js';
import { describeNeeds } from '../../helpers/needs.js';
import { testImage, type TestImage } from '../../helpers/test-image.js';
import { suiteTempDir } from '../../helpers/tmp.js';

const bin = new URL('../../../bin/armada.js', import.meta.url).pathname;
const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

// At module level: suiteTempDir's afterAll is ignored when registered from inside a hook.
const dir = await suiteTempDir('armada-pty-');

interface Terminal {
  /** Everything the terminal showed so far (echo included). */
  output(): string;
  type(text: string): void;
  /** Resolves when `text` has appeared; rejects after `ms` saying what was on screen. */
  waitFor(text: string, ms?: number): Promise<void>;
  exited: Promise<number | null>;
}

/** `armada ARGS` on a pseudo-terminal: script -q (no banner) -f (flush) -e (its exit code). */
function inTerminal(args: string[], env: NodeJS.ProcessEnv): Terminal {
  const command = [process.execPath, bin, ...args].map((a) => `'${a}'`).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    env: { ...process.env, CI: '1', NO_COLOR: '1', ...env },
  });
  let shown = '';
  child.stdout.on('data', (d: Buffer) => (shown += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return {
    output: () => shown,
    type: (text) => child.stdin.write(text),
    async waitFor(text, ms = 20_000) {
      for (let waited = 0; !shown.includes(text); waited += 50) {
        if (waited >= ms)
          throw new Error(
            `'${text}' did not appear within ${ms / 1000} s; the terminal shows:\n${shown}`,
          );
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    exited,
  };
}

describeNeeds(
  { unless: hasScript ? undefined : 'needs script(1) from util-linux for a pseudo-terminal' },
  'the password prompt in a pseudo-terminal',
  () => {
    let image: TestImage;
    beforeAll(async () => {
      image = await testImage(join(dir, 'image'));
    });

    it('--password alone asks twice without echo; the seed carries the hash of what was typed', async () => {
      const target = join(dir, 'seeded.img');
      await copyFile(image.img, target);
      const home = join(dir, 'home');
      await mkdir(home, { recursive: true });
      const password = 'Correct-Horse-42';
      const term = inTerminal(
        ['configure', target, '--hostname', 'pty-1', '--tls', 'device', '--password'],
        { HOME: home, ARMADA_CONFIG_DIR: join(home, 'config') },
      );
      await term.waitFor('Login password: ');
      term.type(`${password}\r`);
      await term.waitFor('Login password again: ');
      term.type(`${password}\r`);
      const code = await Promise.race([
        term.exited,
        new Promise((r) => setTimeout(() => r('timeout'), 60_000)),
      ]);
      const shown = term.output();
      expect(code, shown).toBe(0);
      // The terminal echoes typed characters unless armada turned echo off for the prompt.
      expect(shown).not.toContain(password);
      expect(shown).not.toMatch(/Correct|Horse|\*{4,}/);
      const env = parseSeedEnv(
        execFileSync(
          'mtype',
          ['-i', `${target}@@${image.boot.offsetBytes}`, '::/armada/seed.env'],
          {
            env: { ...process.env, MTOOLS_SKIP_CHECK: '1' },
            encoding: 'utf8',
          },
        ),
      );
      expect(env.PASSWORD_HASH).toMatch(/^\$6\$rounds=100000\$/);
      expect(sha512CryptWithSetting(password, env.PASSWORD_HASH)).toBe(env.PASSWORD_HASH);
      expect(sha512CryptWithSetting('wrong', env.PASSWORD_HASH)).not.toBe(env.PASSWORD_HASH);
    });

    it('two different answers: nothing is written, and neither answer is shown', async () => {
      const target = join(dir, 'mismatch.img');
      await copyFile(image.img, target);
      const home = join(dir, 'home2');
      await mkdir(home, { recursive: true });
      const term = inTerminal(
        ['configure', target, '--hostname', 'pty-2', '--tls', 'device', '--password'],
        { HOME: home, ARMADA_CONFIG_DIR: join(home, 'config') },
      );
      await term.waitFor('Login password: ');
      term.type('First-Answer-1\r');
      await term.waitFor('Login password again: ');
      term.type('Second-Answer-2\r');
      const code = await term.exited;
      const shown = term.output();
      expect(code, shown).toBe(1);
      expect(shown).toContain('the two passwords differ; nothing was written');
      expect(shown).not.toMatch(/First-Answer|Second-Answer/);
      expect(() =>
        execFileSync(
          'mtype',
          ['-i', `${target}@@${image.boot.offsetBytes}`, '::/armada/seed.env'],
          {
            env: { ...process.env, MTOOLS_SKIP_CHECK: '1' },
            stdio: 'pipe',
          },
        ),
      ).toThrow();
    });
  },
);
