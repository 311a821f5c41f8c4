/**
 * Pure: `flash --no-seed` writes the image only, so a seed flag given with it would be ignored
 * without a word. Such a command line is bad usage (exit 2) naming the flags.
 */
import { UsageError } from '../errors.js';
import { seedOptions } from './seed-options.js';

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The seed flags on a command line (`--hostname x`, `--wifi-open`, `--no-wifi-open`, `--sshKey=…`). */
export function seedFlagsGiven(
  argv: readonly string[],
  seedFlags: readonly string[] = Object.keys(seedOptions),
): string[] {
  const known = new Set(seedFlags);
  const given: string[] = [];
  for (const token of argv) {
    if (token === '--') break;
    const m = /^--([^=]+)/.exec(token);
    if (!m) continue;
    let name = kebab(m[1]);
    if (!known.has(name) && name.startsWith('no-')) name = name.slice(3);
    if (known.has(name) && !given.includes(`--${name}`)) given.push(`--${name}`);
  }
  return given;
}

/** Throws when `--no-seed` (parsed as seed: false) comes with seed flags. */
export function checkNoSeed(
  argv: readonly string[],
  parsed: Readonly<Record<string, unknown>>,
): void {
  if (parsed.seed !== false) return;
  const given = seedFlagsGiven(argv);
  if (given.length)
    throw new UsageError(
      `--no-seed writes the image only, so ${given.join(', ')} would be ignored; drop ${given.length > 1 ? 'them' : 'it'}, or drop --no-seed to seed the card`,
    );
}
