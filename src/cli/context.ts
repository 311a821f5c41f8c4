/**
 * What every command adapter shares: global flags and the result printer.
 */
import type { UserError } from '../errors.js';
import { log } from '../log.js';
import { commandWords, envelope } from './json.js';

export interface GlobalArgs {
  debug: boolean;
  json?: boolean;
}

/** What printResult reads of a command's parsed arguments: --json, and yargs' command words. */
export interface ResultArgs {
  json?: boolean;
  _?: readonly (string | number)[];
}

let jsonPrinted = false;
let command: string | null = null;

/** Whether a --json result document is already on stdout (a later failure must not add one). */
export function resultPrinted(): boolean {
  return jsonPrinted;
}

/** src/cli.ts records the command yargs is about to run, for a failure's JSON document. */
export function setCommand(words: readonly (string | number)[] | undefined): void {
  command = commandWords(words);
}

/** The command being run ('cache prune'), once yargs has parsed the command line. */
export function currentCommand(): string | null {
  return command;
}

/**
 * How a command that made a report still failed (check-kernel's missing options, connect's
 * endpoint that does not answer): --json gets the report with ok: false and this error; humans
 * read the report on `stream` (default stdout). The caller exits with the error's code.
 */
export interface ResultFailure {
  error: UserError;
  stream?: 'stdout' | 'stderr';
}

/**
 * --json prints exactly one JSON document on stdout, in the envelope of src/cli/json.ts
 * (`{"ok": true, "command": …, …result}`); humans get text. `result` is an object with named
 * fields: a list goes under a name.
 */
export function printResult(
  args: ResultArgs,
  result: object,
  human: () => string,
  failure?: ResultFailure,
): void {
  if (args.json) {
    const name = args._ ? commandWords(args._) : command;
    log.result(JSON.stringify(envelope(name, result, failure?.error), null, 2));
    jsonPrinted = true;
  } else {
    const text = human();
    if (!text) return;
    if (failure?.stream === 'stderr') log.info(text);
    else log.result(text);
  }
}

export const jsonOption = {
  json: { type: 'boolean', default: false, describe: 'Print one JSON document on stdout' },
} as const;
