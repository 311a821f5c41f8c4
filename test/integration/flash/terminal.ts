/**
 * `armada …` on a pseudo-terminal (util-linux `script -qfec`): stdin and stderr are terminals, so
 * armada asks its questions and listr2 draws its live display, as for a person at a keyboard.
 * Keys typed go through the terminal's line discipline (Ctrl-C becomes SIGINT unless a prompt
 * has the terminal in raw mode). Every wait is bounded.
 */
import { spawn } from 'node:child_process';

const bin = new URL('../../../bin/armada.js', import.meta.url).pathname;

export interface Terminal {
  /** Everything the terminal showed so far, raw (escape sequences and echo included). */
  output(): string;
  type(text: string): void;
  /** Resolves when `pattern` has appeared; rejects after `ms` saying what was on screen. */
  waitFor(pattern: string | RegExp, ms?: number): Promise<void>;
  /** The exit code, or 'timeout' (and the terminal killed) after `ms`. */
  exit(ms?: number): Promise<number | null | 'timeout'>;
}

const quote = (a: string) => `'${a.replaceAll("'", `'\\''`)}'`;

export function inTerminal(args: readonly string[], env: NodeJS.ProcessEnv = {}): Terminal {
  // script's terminal has no size when its own stdin is a pipe; a real one has.
  const command = `stty cols 200 rows 50 && exec ${[process.execPath, bin, ...args].map(quote).join(' ')}`;
  // CI unset: a person's terminal gets listr2's live renderer, not the log-style one.
  const inherited = { ...process.env };
  delete inherited.CI;
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    env: { ...inherited, NO_COLOR: '1', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let shown = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (shown += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const matches = (p: string | RegExp) =>
    typeof p === 'string' ? shown.includes(p) : p.test(shown);
  return {
    output: () => shown,
    type: (text) => child.stdin.write(text),
    async waitFor(pattern, ms = 30_000) {
      for (let waited = 0; !matches(pattern); waited += 50) {
        if (waited >= ms)
          throw new Error(
            `${String(pattern)} did not appear within ${ms / 1000} s; the terminal shows:\n${shown}`,
          );
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async exit(ms = 30_000) {
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        exited,
        new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms))),
      ]);
      clearTimeout(timer);
      if (code === 'timeout') child.kill('SIGKILL');
      child.stdin.destroy();
      return code;
    },
  };
}

/** What a person reads: escape sequences and carriage returns dropped. */
export function plainText(raw: string): string {
  return (
    raw
      // eslint-disable-next-line no-control-regex
      .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
      // eslint-disable-next-line no-control-regex
      .replace(/\x1b[()][A-Za-z0-9]/g, '')
      .replace(/\r/g, '')
  );
}
