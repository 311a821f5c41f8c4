/**
 * Secrets for the seed (login and Wi-Fi passwords) from somewhere other users cannot read: a
 * no-echo prompt on a terminal, a file (`-` for stdin) or an environment variable. The argv form
 * still works, with a warning: it lands in `ps`, shell history and sudo's log.
 */
import { readFile } from 'node:fs/promises';
import { InterruptedError, UsageError, UserError } from '../errors.js';

export interface SecretSpec {
  /** The flag, e.g. '--password'. */
  flag: string;
  /** What the prompt asks for. */
  label: string;
  /** argv value: undefined when absent, '' for a bare `--password` (ask). */
  value: string | undefined;
  /** --password-file value. */
  file: string | undefined;
  envVar: string;
  /** Ask twice on a terminal (a typo in a login password locks the user out). */
  confirm: boolean;
}

export interface SecretIo {
  env: Record<string, string | undefined>;
  isTTY: boolean;
  /** Reads one answer without echo. */
  prompt: (question: string) => Promise<string>;
  readStdin: () => Promise<string>;
  readFile: (path: string) => Promise<string>;
  warn: (message: string) => void;
}

/** A file holds the secret on its first line; a trailing newline is not part of it. */
function firstLine(text: string): string {
  return text.split(/\r?\n/)[0];
}

export async function resolveSecret(spec: SecretSpec, io: SecretIo): Promise<string | undefined> {
  if (spec.value !== undefined && spec.file !== undefined)
    throw new UsageError(`give either ${spec.flag} or ${spec.flag}-file, not both`);
  if (spec.file !== undefined) {
    if (spec.file === '-') return firstLine(await io.readStdin());
    try {
      return firstLine(await io.readFile(spec.file));
    } catch (error) {
      throw new UserError(
        `cannot read ${spec.flag}-file ${spec.file} (${(error as { code?: string }).code ?? 'error'}); check the path`,
      );
    }
  }
  if (spec.value === '') {
    if (!io.isTTY)
      throw new UsageError(
        `${spec.flag} without a value asks on a terminal, and there is none; use ${spec.flag}-file (- for stdin) or ${spec.envVar}`,
      );
    const first = await io.prompt(`${spec.label}: `);
    if (spec.confirm && (await io.prompt(`${spec.label} again: `)) !== first)
      throw new UserError('the two passwords differ; nothing was written');
    return first;
  }
  if (spec.value !== undefined) {
    io.warn(
      `${spec.flag} on the command line is visible to other users (ps, shell history, sudo's log); prefer the prompt (${spec.flag} alone), ${spec.flag}-file or ${spec.envVar}`,
    );
    return spec.value;
  }
  return io.env[spec.envVar];
}

/** Both secrets; stdin can feed only one of them. */
export async function resolveSeedSecrets(
  specs: { password: SecretSpec; wifiPassword: SecretSpec },
  io: SecretIo,
): Promise<{ password?: string; wifiPassword?: string }> {
  if (specs.password.file === '-' && specs.wifiPassword.file === '-')
    throw new UsageError('only one of --password-file and --wifi-password-file can be - (stdin)');
  const password = await resolveSecret(specs.password, io);
  const wifiPassword = await resolveSecret(specs.wifiPassword, io);
  return {
    ...(password !== undefined ? { password } : {}),
    ...(wifiPassword !== undefined ? { wifiPassword } : {}),
  };
}

/** The terminal side: no echo, Ctrl-C/Ctrl-D cancel. */
async function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let answer = '';
    const wasRaw = stdin.isRaw;
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (error?: Error) => {
      stdin.setRawMode(wasRaw);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(answer);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || ch === '\u0004') return done(new InterruptedError('Ctrl-C'));
        if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
        else answer += ch;
      }
    };
    stdin.on('data', onData);
  });
}

export async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}

export function defaultSecretIo(warn: (m: string) => void): SecretIo {
  return {
    env: process.env,
    isTTY: Boolean(process.stdin.isTTY),
    prompt: promptHidden,
    readStdin,
    readFile: (p) => readFile(p, 'utf8'),
    warn,
  };
}
