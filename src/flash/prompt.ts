/**
 * Questions on the terminal (stdin/stderr), asked before any writing starts.
 */
import { createInterface } from 'node:readline/promises';
import { InterruptedError } from '../errors.js';
import type { Drive } from './drive.js';
import { describeDrive, parseChoice } from './targets.js';

export class CancelledError extends InterruptedError {
  constructor() {
    super();
    this.message = 'cancelled; nothing was written';
  }
}

async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

export async function chooseDrives(candidates: readonly Drive[]): Promise<Drive[]> {
  if (!candidates.length) return [];
  process.stderr.write('Cards armada may write:\n');
  candidates.forEach((d, i) => process.stderr.write(`  ${i + 1}) ${describeDrive(d)}\n`));
  for (;;) {
    const answer = await ask(
      'Write to which? (number; several separated by spaces; empty to cancel) ',
    );
    if (!answer) throw new CancelledError();
    const picks = parseChoice(answer, candidates.length);
    if (picks) return picks.map((i) => candidates[i]);
    process.stderr.write(`Answer with numbers from 1 to ${candidates.length}.\n`);
  }
}

/** true only for an explicit 'yes'. */
export async function confirm(question: string): Promise<boolean> {
  return (await ask(`${question} Type 'yes' to continue: `)).toLowerCase() === 'yes';
}
