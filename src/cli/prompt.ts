/**
 * Questions on the terminal (stdin/stderr), asked before any writing starts. Every armada prompt
 * goes through ask() here, so Ctrl-C and Ctrl-D at any question cancel the same way: one line,
 * exit 4, nothing changed.
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

/**
 * One question, on a readline interface of its own that is fully closed before the next question
 * opens one: stdin has one reader at a time, and leaves raw mode between questions.
 */
async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  let cancelled = false;
  let cancel: () => void = () => undefined;
  try {
    return await new Promise<string>((resolve, reject) => {
      // In raw mode Ctrl-C reaches readline as a key, not as a signal; Ctrl-D ends the input.
      // Ctrl-D both closes readline and rejects the question: one newline, one error.
      cancel = () => {
        if (cancelled) return;
        cancelled = true;
        process.stderr.write('\n');
        reject(new CancelledError());
      };
      rl.on('SIGINT', cancel);
      rl.on('close', cancel);
      rl.question(question).then((answer) => resolve(answer.trim()), cancel);
    });
  } finally {
    // Only our own listener: readline's own 'close' listener detaches it from stdin's keypress
    // events. Removed too (removeAllListeners), the closed interface kept echoing every key, so
    // the next question showed each typed character twice, the one after that three times.
    rl.off('close', cancel);
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

/** confirm() when there is a person to ask; without a terminal the answer is no (scripts pass --yes). */
export async function confirmOnTerminal(question: string): Promise<boolean> {
  return canAsk() ? confirm(question) : false;
}

export const terminalQuestions: FlashQuestions = { chooseDrives, confirm };
