/**
 * `armada ca init --force` asks on a real terminal (a pseudo-terminal from util-linux `script`):
 * Ctrl-D and Ctrl-C at the question cancel like at flash's prompt (exit 4, one line), and the old
 * CA stays exactly as it was.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { armada, buildCli } from '../../helpers/cli.js';
import { describeNeeds, toolsReason } from '../../helpers/needs.js';
import { suiteTempDir } from '../../helpers/tmp.js';

const bin = new URL('../../../bin/armada.js', import.meta.url).pathname;
const question = "Type 'yes' to continue: ";

/** Every file under the config dir, path → bytes. */
function snapshot(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      files.set(path, readFileSync(path));
    }
  return files;
}

/**
 * Runs `armada ca init --force` on a pseudo-terminal, types `key` once the question is shown,
 * and returns the exit code and what the terminal showed after the question.
 */
function answerOnTerminal(
  env: NodeJS.ProcessEnv,
  key: string,
): Promise<{ code: number | null; after: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'script',
      ['-qfec', `exec '${process.execPath}' '${bin}' ca init --force`, '/dev/null'],
      { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let out = '';
    let typed = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no exit within 30 s; the terminal showed: ${JSON.stringify(out)}`));
    }, 30_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (!typed && out.includes(question)) {
        typed = true;
        child.stdin.write(key);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      if (!typed) reject(new Error(`the question never came: ${JSON.stringify(out)}`));
      // eslint-disable-next-line no-control-regex
      const plain = out.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '');
      resolve({ code, after: plain.slice(plain.indexOf(question) + question.length) });
    });
  });
}

describeNeeds(
  { unless: toolsReason('script') },
  'ca init --force: Ctrl-C and Ctrl-D at the question',
  () => {
    let env: NodeJS.ProcessEnv;
    let config: string;
    beforeAll(async () => {
      await buildCli();
      config = join(await suiteTempDir('armada-ca-prompt-'), 'config');
      env = { ARMADA_CONFIG_DIR: config };
      const made = await armada(['ca', 'init'], { env });
      expect(made.code, made.stderr).toBe(0);
    });

    test.each([
      ['Ctrl-D', '\x04'],
      ['Ctrl-C', '\x03'],
    ])('%s: exit 4, one line, the old CA unchanged byte for byte', async (_name, key) => {
      const before = snapshot(config);
      expect([...before.keys()].some((p) => p.endsWith('ca-key.pem'))).toBe(true);
      const r = await answerOnTerminal(env, key);
      // The answer line ends, then exactly one line: no blank line, no stack, no "please report".
      expect(r.after).toBe(`\narmada: cancelled; the laptop CA in ${config}/ca was not changed\n`);
      expect(r.code).toBe(4);
      expect(snapshot(config)).toEqual(before);
      expect(readdirSync(config).sort()).toEqual(['ca', 'client']);
    });
  },
);
