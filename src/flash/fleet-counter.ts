/**
 * Where a `{n}` host name template got to. With one card reader a fleet is flashed (or
 * configured) one card per run; without a memory every run would start at pi-1 again. The next
 * free number of each template is kept in armada's config dir (`hostname-counters.json`, the sudo
 * caller's), shared by `flash` and `configure`, and a run advances it only for cards that were
 * written and seeded.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configDir, giveToUser, makeUserDir, unwritableConfigDir } from '../config-dir.js';
import { isNotFound } from '../fs-errors.js';
import { log } from '../log.js';
import { option } from '../option-names.js';
import { parseUserData } from '../seed/user-data.js';
import type { SeedFlags } from '../seed/types.js';

export const counterFileName = 'hostname-counters.json';

/** Template → the next number to give. */
export type Counters = Record<string, number>;

const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

/** Pure: the counters in a file's text; anything unreadable is no counter (numbering starts over). */
export function parseCounters(text: string): Counters {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return {};
  }
  const next = (doc as { next?: unknown } | null)?.next;
  if (typeof next !== 'object' || next === null || Array.isArray(next)) return {};
  return Object.fromEntries(
    Object.entries(next).filter((entry): entry is [string, number] => isCount(entry[1])),
  );
}

export function serializeCounters(counters: Counters): string {
  return JSON.stringify({ version: 1, next: counters }, null, 2) + '\n';
}

/** Pure: the counters once a run that numbered from `start` seeded the cards numbered `seeded`. */
export function advanceCounters(
  counters: Counters,
  template: string,
  seeded: readonly number[],
): Counters {
  if (!seeded.length) return counters;
  return { ...counters, [template]: Math.max(...seeded) + 1 };
}

/** The host name template of a run: --hostname (or its configured default), else user-data's. */
export async function hostnameTemplate(flags: SeedFlags): Promise<string | undefined> {
  if (flags.hostname !== undefined) return flags.hostname;
  if (flags.userData === undefined) return undefined;
  // An unreadable or invalid file is reported by the seed's own checks, all problems at once.
  const text = await readFile(flags.userData, 'utf8').catch(() => undefined);
  const parsed = text === undefined ? undefined : parseUserData(text);
  return parsed?.ok ? parsed.settings.hostname : undefined;
}

async function readCounters(file: string): Promise<Counters> {
  try {
    return parseCounters(await readFile(file, 'utf8'));
  } catch (error) {
    if (isNotFound(error)) return {};
    throw error;
  }
}

/** One run's numbering of one template. */
export interface FleetCounter {
  template: string;
  file: string;
  /** Where the last run with this template stopped; undefined: never flashed with it. */
  remembered: number | undefined;
  /** A card numbered `n` was written and seeded: the next run starts after the highest such n. */
  seeded(n: number): Promise<void>;
}

export async function openFleetCounter(template: string, dir: string): Promise<FleetCounter> {
  const file = join(dir, counterFileName);
  const remembered = (await readCounters(file))[template];
  const done: number[] = [];
  let writing: Promise<void> = Promise.resolve();
  const save = async () => {
    // Read again: another template's counter may have moved since (another run, another reader).
    const counters = advanceCounters(await readCounters(file), template, done);
    await makeUserDir(dir);
    // Written aside and renamed over: a crash or a full disk never leaves half a file.
    const temp = `${file}.${process.pid}.tmp`;
    try {
      await writeFile(temp, serializeCounters(counters), { mode: 0o600 });
      await giveToUser([temp]);
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw (await unwritableConfigDir(dir, error)) ?? error;
    }
  };
  return {
    template,
    file,
    remembered,
    seeded(n) {
      done.push(n);
      // Cards finish side by side; their updates go one after the other.
      writing = writing.catch(() => undefined).then(save);
      return writing;
    },
  };
}

/** How a `{n}` host name template was numbered: from --start, or where the last run stopped. */
export interface Numbering {
  template: string;
  start: number;
  /** Continued from the number remembered in `file` (no --start given). */
  continued: boolean;
  file: string;
}

/** One run's fleet numbering, as flash and configure both use it. */
export interface FleetNumbering {
  numbering: Numbering;
  /** The seed flags to prepare the cards with: `start` is where this run numbers from. */
  flags: SeedFlags;
  /**
   * A card was written, read back and seeded under `index`: remember it. Never rejects: a
   * counter that cannot be saved is a warning, the card is fine.
   */
  seeded(index: number, name: string): Promise<void>;
}

/**
 * The numbering of a run whose host name template has `{n}` (undefined otherwise): from
 * --start, else where the last run with the same template stopped, else 1.
 */
export async function numberFleet(
  flags: SeedFlags,
  dir?: string,
): Promise<FleetNumbering | undefined> {
  const template = await hostnameTemplate(flags);
  if (!template?.includes('{n}')) return undefined;
  const counter = await openFleetCounter(template, dir ?? (await configDir()));
  const start = flags.start ?? counter.remembered ?? 1;
  return {
    numbering: {
      template,
      start,
      continued: flags.start === undefined && counter.remembered !== undefined,
      file: counter.file,
    },
    flags: { ...flags, start },
    seeded: (index, name) =>
      counter
        .seeded(index)
        .catch((error: unknown) =>
          log.warn(
            `cannot remember that ${name} is used (${(error as Error).message}); the next run names its cards from ${option('start')} or 1`,
          ),
        ),
  };
}
