/**
 * Questions on the terminal (stdin/stderr), asked before any writing starts. Ctrl-C and Ctrl-D
 * at a question cancel: one line, exit 4.
 */
import { createInterface } from 'node:readline/promises';
import { CancelledError } from '../errors.js';
import type { Drive } from '../flash/drive.js';
import type { FlashQuestions } from '../flash/report.js';
import { describeDrive, parseChoice } from '../flash/targets.js';

/** Questions need a person: stdin to answer on and stderr to ask on, both terminals. */
export function canAsk(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return await new Promise<string>((resolve, reject) => {
      // In raw mode Ctrl-C reaches readline as a key, not as a signal; Ctrl-D ends the input.
      const cancel = () => {
        process.stderr.write('\n');
        reject(new CancelledError());
      };
      rl.on('SIGINT', cancel);
      rl.on('close', cancel);
      rl.question(question).then((answer) => resolve(answer.trim()), cancel);
    });
  } finally {
    rl.removeAllListeners('close');
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

export const terminalQuestions: FlashQuestions = { chooseDrives, confirm };
