/**
 * The only module that spawns processes. Everything else builds commands as data
 * (`[file, args]`) and hands them here.
 */
import { execa, type Options, type ResultPromise } from 'execa';
import { InterruptedError, MissingToolError, UserError } from './errors.js';
import { aptPackageFor } from './host/tools.js';
import { interruptedSignal } from './cleanup.js';
import { log } from './log.js';

export type Command = readonly [file: string, args: readonly string[]];

export interface RunOptions {
  input?: string | Uint8Array;
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Kill the process after this long and fail with a clear message. */
  timeoutMs?: number;
  /** Return the result instead of throwing on a non-zero exit. */
  allowFailure?: boolean;
  /** Stream the tool's stderr to ours (long tools such as mmdebstrap). */
  inheritStderr?: boolean;
  /** Called with each line the tool prints on stdout/stderr (progress). */
  onLine?: (line: string) => void;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** A tool ran and failed. The message carries the tool's own last words. */
export class CommandFailedError extends UserError {
  constructor(
    readonly command: Command,
    readonly exitCode_: number | undefined,
    readonly stderr: string,
    reason?: string,
  ) {
    const tail = lastLines(stderr, 3);
    super(
      `${command[0]} failed${exitCode_ === undefined ? '' : ` (exit ${exitCode_})`}` +
        (reason ? `: ${reason}` : '') +
        (tail ? `: ${tail}` : ''),
    );
  }
}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join(' | ').trim();
}

function formatCommand([file, args]: Command): string {
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);
  return [file, ...args].map(q).join(' ');
}

function toOptions(opts: RunOptions): Options {
  return {
    input: opts.input,
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: true,
    timeout: opts.timeoutMs,
    reject: false,
    stripFinalNewline: false,
    stderr: opts.inheritStderr ? 'inherit' : 'pipe',
    lines: false,
  };
}

function translate(cmd: Command, error: unknown): never {
  const e = error as { code?: string };
  if (e.code === 'ENOENT') throw new MissingToolError(cmd[0], aptPackageFor(cmd[0]));
  throw error;
}

/**
 * A process that ended without an exit code: an interrupt (the cleanup's signal), our own
 * timeout, or one that could not start (a missing tool). Returns when it did exit.
 */
function checkEnded(
  cmd: Command,
  result: { failed: boolean; exitCode?: number; timedOut: boolean; cause?: unknown },
  stderr: string,
  timeoutMs: number | undefined,
): void {
  if (!result.failed || result.exitCode !== undefined) return;
  const sig = interruptedSignal();
  if (sig) throw new InterruptedError(sig);
  if (result.timedOut)
    throw new CommandFailedError(cmd, undefined, stderr, `timed out after ${timeoutMs} ms`);
  translate(cmd, result.cause ?? result);
}

export async function run(cmd: Command, opts: RunOptions = {}): Promise<RunResult> {
  log.debug(`$ ${formatCommand(cmd)}`);
  const child = execa(cmd[0], [...cmd[1]], toOptions(opts));
  if (opts.onLine) forwardLines(child, opts.onLine);
  const result = await child;
  checkEnded(cmd, result, String(result.stderr ?? ''), opts.timeoutMs);
  const out: RunResult = {
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    exitCode: result.exitCode ?? -1,
  };
  if (out.exitCode !== 0 && !opts.allowFailure) {
    throw new CommandFailedError(cmd, out.exitCode, out.stderr || out.stdout);
  }
  return out;
}

/** Run and return stdout as bytes (binary output such as a file read by debugfs). */
export async function runBuffer(
  cmd: Command,
  opts: Omit<RunOptions, 'onLine'> = {},
): Promise<Buffer> {
  log.debug(`$ ${formatCommand(cmd)}`);
  const result = await execa(cmd[0], [...cmd[1]], {
    ...toOptions(opts),
    encoding: 'buffer',
  } as Options & { encoding: 'buffer' });
  const stderr = () => Buffer.from((result.stderr as Uint8Array | undefined) ?? []).toString();
  checkEnded(cmd, result, stderr(), opts.timeoutMs);
  if (result.exitCode !== 0 && !opts.allowFailure) {
    throw new CommandFailedError(cmd, result.exitCode, stderr());
  }
  return Buffer.from(result.stdout as Uint8Array);
}

export type Streaming = ResultPromise<{
  buffer: false;
  stdin: 'pipe';
  stdout: 'pipe';
  stderr: 'pipe';
}>;

/**
 * Start a long-running process whose stdio the caller streams (decompressors, QEMU).
 * The caller owns it and must await or kill it.
 */
export function spawnStreaming(
  cmd: Command,
  opts: Pick<RunOptions, 'cwd' | 'env'> = {},
): Streaming {
  log.debug(`$ ${formatCommand(cmd)} (streaming)`);
  const child = execa(cmd[0], [...cmd[1]], {
    cwd: opts.cwd,
    env: opts.env,
    buffer: false,
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    reject: false,
  });
  child.catch(() => undefined);
  return child as unknown as Streaming;
}

/** Resolve a tool on PATH; undefined when it is not installed. */
export async function which(tool: string): Promise<string | undefined> {
  const result = await execa('sh', ['-c', 'command -v "$1"', 'sh', tool], { reject: false });
  const path = String(result.stdout ?? '').trim();
  return result.exitCode === 0 && path ? path : undefined;
}

export async function requireTool(tool: string): Promise<void> {
  if (!(await which(tool))) throw new MissingToolError(tool, aptPackageFor(tool));
}

function forwardLines(child: ResultPromise, onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream?.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split(/\r?\n|\r/);
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) onLine(line);
    });
  }
}
