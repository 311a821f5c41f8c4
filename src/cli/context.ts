/**
 * What every command adapter shares: global flags and the result printer.
 */
import { log } from '../log.js';

export interface GlobalArgs {
  debug: boolean;
  json?: boolean;
}

let jsonPrinted = false;

/** Whether a --json result document is already on stdout (a later failure must not add one). */
export function resultPrinted(): boolean {
  return jsonPrinted;
}

/** --json prints exactly one JSON document on stdout; humans get text on stderr/stdout. */
export function printResult(args: { json?: boolean }, value: unknown, human: () => string): void {
  if (args.json) {
    log.result(JSON.stringify(value, null, 2));
    jsonPrinted = true;
  } else {
    const text = human();
    if (text) log.result(text);
  }
}

export const jsonOption = {
  json: { type: 'boolean', default: false, describe: 'Print one JSON document on stdout' },
} as const;
