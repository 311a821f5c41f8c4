/**
 * Pure: the one shape of every `--json` document (docs/json.md).
 *
 *   success  {"ok": true,  "command": "cache prune", …the result's own fields}
 *   failure  {"ok": false, "command": "connect", …the report, if the command made one,
 *             "error": {"code": "check-failed", "exitCode": 3, "message": "…"}}
 *
 * The result's fields stay at the top level, where scripts already read them (`.manifest`,
 * `.nodes`, `.missingRequired`); `ok` and `command` are the only names armada adds, and `error`
 * the only one it adds on failure.
 */
import { ExitCode, classify, InternalError } from '../errors.js';

const errorCodes: Record<number, string> = {
  [ExitCode.user]: 'user-error',
  [ExitCode.usage]: 'usage',
  [ExitCode.checkFailed]: 'check-failed',
  [ExitCode.interrupted]: 'interrupted',
  [ExitCode.internal]: 'internal',
};

export interface JsonErrorBody {
  code: string;
  exitCode: number;
  message: string;
  details?: readonly string[];
}

export type JsonEnvelope = {
  ok: boolean;
  /** The command's words ('discover', 'cache prune'); null when none was recognised. */
  command: string | null;
  error?: JsonErrorBody;
} & Record<string, unknown>;

function errorBody(error: unknown): JsonErrorBody {
  const e = classify(error);
  return {
    code: errorCodes[e.exitCode] ?? 'error',
    exitCode: e.exitCode,
    message: e instanceof InternalError ? `internal error: ${e.message}` : e.message,
    ...('details' in e && e.details.length ? { details: e.details } : {}),
  };
}

/**
 * The document for `command`'s `result` (an object with named fields: a list goes under a name,
 * as discover's `hosts`), failed with `error` when one is given.
 */
export function envelope(
  command: string | null,
  result: object | undefined,
  error?: unknown,
): JsonEnvelope {
  if (Array.isArray(result))
    throw new InternalError(`the --json result of '${command}' is a bare list; name it`);
  const fields: Record<string, unknown> = { ...result };
  // A report's own verdict (doctor's, check-kernel's) is the envelope's: it must not disagree.
  if (fields.ok === false && error === undefined)
    throw new InternalError(`'${command}' reported ok: false without an error`);
  delete fields.ok;
  delete fields.command;
  delete fields.error;
  return {
    ok: error === undefined,
    command,
    ...fields,
    ...(error !== undefined ? { error: errorBody(error) } : {}),
  };
}

/** The words of yargs' `argv._` that name the command ('cache prune'), or null. */
export function commandWords(words: readonly (string | number)[] | undefined): string | null {
  const name = (words ?? []).map(String).join(' ');
  return name || null;
}
