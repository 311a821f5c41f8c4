/**
 * One error model for every command. Exit codes are the contract in docs/exit-codes.md:
 * 0 ok · 1 user error · 2 usage · 3 a check failed · 4 interrupted · 70 internal error.
 */
import { optionLabel, type OptionLabel } from './option-names.js';

export const ExitCode = {
  ok: 0,
  user: 1,
  usage: 2,
  checkFailed: 3,
  interrupted: 4,
  internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Anything the user can fix: printed as one line, no stack. */
export class UserError extends Error {
  readonly exitCode: ExitCode = ExitCode.user;
  constructor(
    message: string,
    /** Extra lines shown under the message (e.g. every validation problem). */
    readonly details: readonly string[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class UsageError extends UserError {
  override readonly exitCode = ExitCode.usage;
}

/** A verification ran and said no (kernel config, read-back, checksum). */
export class CheckFailedError extends UserError {
  override readonly exitCode = ExitCode.checkFailed;
}

/**
 * A user error whose fix names API options ("check packages and suite"). Domain code phrases it
 * with a label for the options, and the label is the caller's choice (src/option-names.ts): the
 * CLI's flags (--packages, --suite), or the API's option names. No flag name lives in the domain.
 */
export class OptionError extends UserError {
  override readonly exitCode: ExitCode;
  constructor(
    phrase: (option: OptionLabel) => string,
    phraseDetails: (option: OptionLabel) => readonly string[] = () => [],
    opts: { usage?: boolean } = {},
  ) {
    const label = optionLabel();
    super(phrase(label), phraseDetails(label));
    this.exitCode = opts.usage ? ExitCode.usage : ExitCode.user;
  }
}

export class InterruptedError extends UserError {
  override readonly exitCode = ExitCode.interrupted;
  constructor(signal = 'SIGINT') {
    super(`interrupted by ${signal}; everything armada started was cleaned up`);
  }
}

/** The user declined, or pressed Ctrl-C or Ctrl-D at a question: nothing was done. */
export class CancelledError extends InterruptedError {
  constructor(what = 'nothing was written') {
    super();
    this.message = `cancelled; ${what}`;
  }
}

export class MissingToolError extends UserError {
  constructor(
    readonly tool: string,
    readonly aptPackage?: string,
  ) {
    super(
      `required host tool '${tool}' was not found; install it with ` +
        (aptPackage ? `'sudo apt-get install ${aptPackage}' or ` : '') +
        `'sudo scripts/setup-host.sh'`,
    );
  }
}

export class NotRootError extends UserError {
  constructor(what: string) {
    super(`${what} needs root; run it again with sudo`);
  }
}

export class ChecksumMismatchError extends CheckFailedError {
  constructor(
    readonly what: string,
    readonly expected: string,
    readonly actual: string,
    hint = 'the file is corrupt or was changed; download it again',
  ) {
    super(`checksum mismatch for ${what}: expected ${expected}, got ${actual}; ${hint}`);
  }
}

/** A bug in armada: printed with a stack under --debug and a request to report it. */
export class InternalError extends Error {
  readonly exitCode = ExitCode.internal;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InternalError';
  }
}

const errnoHints: Record<string, string> = {
  EACCES: 'permission denied; run it again with sudo',
  EPERM: 'operation not permitted; run it again with sudo',
  EBUSY: 'the device is busy; close programs using it and unmount its partitions',
  ENOSPC: 'no space left on the device being written; free some space or write somewhere else',
  EIO: 'I/O error; the card or reader may be failing (try another card or reader)',
  ENOENT: 'no such file or directory',
  EROFS: 'the target is read-only; check the card’s lock switch',
  ENXIO: 'the device disappeared; was the card removed?',
  ENODEV: 'the device disappeared; was the card removed?',
};

/**
 * The hint for an errno. Sudo helps only someone who is not root already: as root, a refusal
 * comes from the thing itself (a card turned read-only, a read-only mount, a security policy).
 */
export function errnoHint(code: string, root: boolean): string | undefined {
  if (root && (code === 'EACCES' || code === 'EPERM'))
    return `${code === 'EACCES' ? 'permission denied' : 'operation not permitted'} even as root; the card or file system may be read-only (a failing card turns read-only: try another card or reader), or a security policy (SELinux, AppArmor) denies it`;
  return Object.hasOwn(errnoHints, code) ? errnoHints[code] : undefined;
}

interface NodeErrnoLike {
  code?: unknown;
  path?: unknown;
  message?: unknown;
}

/** Turn anything thrown into the error the top-level handler prints. */
export function classify(error: unknown): UserError | InternalError {
  if (error instanceof UserError || error instanceof InternalError) return error;
  if (typeof error === 'object' && error !== null) {
    const e = error as NodeErrnoLike;
    const hint =
      typeof e.code === 'string' ? errnoHint(e.code, process.getuid?.() === 0) : undefined;
    if (hint) {
      const where = typeof e.path === 'string' ? ` (${e.path})` : '';
      return new UserError(`${String(e.code)}${where}: ${hint}`);
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return new InternalError(message, { cause: error });
}

export function exitCodeOf(error: unknown): ExitCode {
  return classify(error).exitCode;
}

/** The text printed to stderr for an error; stacks only for bugs and under --debug. */
export function formatError(error: unknown, debug: boolean): string {
  const e = classify(error);
  if (e instanceof UserError) {
    const lines = [`armada: ${e.message}`, ...e.details.map((d) => `  - ${d}`)];
    if (debug && e.stack) lines.push(e.stack);
    return lines.join('\n');
  }
  const cause = e.cause instanceof Error ? e.cause : e;
  const stack = debug ? `\n${cause.stack ?? ''}` : ' (run with --debug for the stack)';
  return `armada: internal error: ${e.message}${stack}\nThis is a bug in armada; please report it.`;
}
