/**
 * What every command adapter shares: global flags and the result printer.
 */
import { log } from '../log.js';

export interface GlobalArgs {
  debug: boolean;
  json?: boolean;
}

/** --json prints exactly one JSON document on stdout; humans get text on stderr/stdout. */
export function printResult(args: { json?: boolean }, value: unknown, human: () => string): void {
  if (args.json) log.result(JSON.stringify(value, null, 2));
  else {
    const text = human();
    if (text) log.result(text);
  }
}

export const jsonOption = {
  json: { type: 'boolean', default: false, describe: 'Print one JSON document on stdout' },
} as const;
