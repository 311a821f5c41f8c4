/**
 * A yes/no question on the terminal; without one the answer is no (scripts pass --yes).
 */
import { createInterface } from 'node:readline/promises';

export async function confirmYes(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return (
      (await rl.question(`${question} Type 'yes' to continue: `)).trim().toLowerCase() === 'yes'
    );
  } finally {
    rl.close();
  }
}
