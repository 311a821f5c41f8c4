/**
 * `armada flash`: the edge of src/flash/. Decides what only the terminal can decide (questions,
 * how progress looks), calls flashImage and formats its result.
 */
import type { ListrTask } from 'listr2';
import { interruptedSignal, onCleanup } from '../cleanup.js';
import { InterruptedError } from '../errors.js';
import { canAsk, terminalQuestions } from '../cli/prompt.js';
import { formatBytes, type Drive } from '../flash/drive.js';
import {
  CardsFailedError,
  flashImage,
  type FlashOptions,
  type FlashResult,
} from '../flash/flash-image.js';
import { hostnameTemplate, openFleetCounter, type FleetCounter } from '../flash/fleet-counter.js';
import { configDir } from '../config-dir.js';
import { log } from '../log.js';
import { option } from '../option-names.js';
import { formatRate, rate } from '../flash/progress.js';
import type { FlashProgress } from '../flash/report.js';
import { silentReport, type StepReport } from '../progress.js';
import { describeDrive } from '../flash/targets.js';
import type { PreparedSeed, SeedFlags } from '../seed/types.js';
import { runTasks } from '../tasks.js';
import { formatSeedReport } from '../cli/seed-report.js';

export type { FlashResult } from '../flash/flash-image.js';
export { CardsFailedError } from '../flash/flash-image.js';

export type FlashCommandOptions = Omit<
  FlashOptions,
  'questions' | 'progress' | 'statusEveryMs' | 'seed'
> & {
  /** Seed settings; undefined: --no-seed. */
  seed?: SeedFlags;
};

/** Progress lines: often on a terminal, sparingly in logs (the simple renderer prints each one). */
const plainOutput = () => !process.stderr.isTTY || Boolean(process.env.CI);

interface Deferred {
  promise: Promise<void>;
  settle: (error?: Error) => void;
}

function deferred(): Deferred {
  let settle!: (error?: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    settle = (error) => (error ? reject(error) : resolve());
  });
  promise.catch(() => undefined);
  return { promise, settle };
}

/**
 * Ends a live display when the run is cut short (Ctrl-C): the CLI prints its last word after the
 * cleanup, and while listr2's renderer runs it holds stderr (a line written then never shows on a
 * terminal) and the cursor. Settling the display's tasks stops it, restores both, and draws its
 * final frame first. Returns what the display's normal end calls, so the entry goes with it.
 */
function stopOnCleanup(settle: (error: Error) => void, run: Promise<unknown>) {
  return onCleanup('stop the progress display', async () => {
    const signal = interruptedSignal();
    settle(signal ? new InterruptedError(signal) : new Error('stopped'));
    await run;
  });
}

/**
 * flash's progress as listr2 tasks: one line for the whole run (✖ unless every card succeeded)
 * and one per card. Plain output (logs, CI) names the card on every progress line.
 */
export function listrProgress(): FlashProgress {
  let run: Promise<unknown> | undefined;
  let stopped: () => Promise<void> = () => Promise.resolve();
  const overall = deferred();
  const cards: Deferred[] = [];
  const outputs: ((text: string) => void)[] = [];
  return {
    download(title) {
      const done = deferred();
      let show: StepReport = silentReport;
      const run = runTasks(
        [
          {
            title,
            task: async (_ctx, task) => {
              show = {
                status: (text) => (task.output = text),
                title: (text) => (task.title = text),
              };
              try {
                await done.promise;
              } finally {
                show = silentReport;
              }
            },
            rendererOptions: { persistentOutput: false },
          },
        ],
        {},
      ).catch(() => undefined);
      const stop = stopOnCleanup((error) => {
        show = silentReport;
        done.settle(error);
      }, run);
      return {
        status: (text) => show.status(text),
        title: (text) => show.title(text),
        async end(error) {
          done.settle(error);
          await run;
          await stop();
        },
      };
    },
    begin(title, drives: readonly Drive[]) {
      const plain = plainOutput();
      const cardTasks = drives.map((drive, i): ListrTask<object> => {
        cards[i] = deferred();
        return {
          title: describeDrive(drive),
          task: async (_ctx, task) => {
            outputs[i] = (text) => (task.output = plain ? `${drive.device}: ${text}` : text);
            try {
              await cards[i].promise;
              task.title = `${describeDrive(drive)}: done`;
            } finally {
              // listr2 throws on output for a task it has finished drawing (a late progress tick).
              outputs[i] = () => undefined;
            }
          },
          rendererOptions: { persistentOutput: false },
        };
      });
      const overallTask: ListrTask<object> = { title, task: () => overall.promise };
      run = runTasks([overallTask, ...cardTasks], {}, { concurrent: true }).catch(() => undefined);
      stopped = stopOnCleanup((error) => {
        outputs.fill(() => undefined);
        for (const card of cards) card.settle(error);
        overall.settle(error);
      }, run);
    },
    status: (card, text) => outputs[card]?.(text),
    cardEnded: (card, error) => cards[card]?.settle(error),
    async end(error) {
      overall.settle(error);
      await run;
      await stopped();
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

export type FlashCommandResult = FlashResult & { numbering?: Numbering };

export async function runFlash(opts: FlashCommandOptions): Promise<FlashCommandResult> {
  const { seed, ...rest } = opts;
  const hook = seed ? await seedHook(seed) : undefined;
  const withNumbering = (r: FlashResult): FlashCommandResult =>
    hook?.numbering ? { ...r, numbering: hook.numbering } : r;
  try {
    return withNumbering(
      await flashImage({
        ...rest,
        ...(canAsk() ? { questions: terminalQuestions } : {}),
        progress: listrProgress(),
        statusEveryMs: plainOutput() ? 5000 : 500,
        ...(hook ? { seed: hook } : {}),
      }),
    );
  } catch (error) {
    if (error instanceof CardsFailedError && error.result)
      throw error.withResult(withNumbering(error.result));
    throw error;
  }
}

async function seedHook(
  flags: SeedFlags,
): Promise<NonNullable<FlashOptions['seed']> & { numbering?: Numbering }> {
  const { prepareSeeds, writeSeed } = await import('../seed/apply.js');
  const { seedReport } = await import('../seed/report.js');
  let counter: FleetCounter | undefined;
  const hook: NonNullable<FlashOptions['seed']> & { numbering?: Numbering } = {
    prepare: async (count: number) => {
      const template = await hostnameTemplate(flags);
      // A template numbers a fleet: without --start, go on where the last run with it stopped.
      if (template?.includes('{n}')) {
        counter = await openFleetCounter(template, await configDir());
        const start = flags.start ?? counter.remembered ?? 1;
        hook.numbering = {
          template,
          start,
          continued: flags.start === undefined && counter.remembered !== undefined,
          file: counter.file,
        };
        return prepareSeeds({ ...flags, start }, count);
      }
      return prepareSeeds(flags, count);
    },
    write: async (device: string, _index: number, prepared: unknown) => {
      const seed = prepared as PreparedSeed;
      await writeSeed(device, seed);
      // Written, read back, seeded: only now does this card's number count as used.
      await counter
        ?.seeded(seed.index)
        .catch((error: unknown) =>
          log.warn(
            `cannot remember that ${seed.hostname ?? device} is used (${(error as Error).message}); the next flash names its cards from ${option('start')} or 1`,
          ),
        );
      return seedReport(seed);
    },
  };
  return hook;
}

/** How a card was named, when its number came from the counter (or --start). */
function numberedAs(r: FlashCommandResult, hostname: string | undefined): string {
  const n = r.numbering;
  if (!n || !hostname) return '';
  const how = n.continued
    ? `continuing ${n.template} from ${n.start}; --start N to choose`
    : `numbering ${n.template} from ${n.start}; the next flash continues after it`;
  return ` as ${hostname} (${how})`;
}

/**
 * --json: the result with every card's outcome, ok or not (the run's own error goes in the
 * document's envelope, src/cli/json.ts).
 */
export function flashJson(r: FlashCommandResult, error?: CardsFailedError): object {
  return {
    ...r,
    cards: [
      ...r.cards.map((c) => ({ ok: true, ...c })),
      ...(error?.failed ?? []).map((f) => ({ ok: false, ...f })),
    ],
  };
}

export function formatFlashResult(r: FlashCommandResult, error?: CardsFailedError): string {
  const lines = r.cards.map((c) => {
    const speed = formatRate(rate(c.bytesWritten, c.seconds * 1000));
    return `${c.device}: wrote ${formatBytes(c.bytesWritten)} in ${c.seconds} s (${speed})${c.verified ? ', verified' : ', NOT verified'}${c.seeded ? `, seeded${numberedAs(r, c.seed?.hostname)}` : ''}${c.eject ? `; ${c.eject.message}` : ''}`;
  });
  const failed = (error?.failed ?? []).map((f) => `${f.device}: FAILED: ${f.error.message}`);
  const map = r.bmap
    ? ` using ${r.bmap} (${formatBytes(r.mappedBytes)} mapped of ${formatBytes(r.imageBytes)}${r.bmapProven ? '; bmap proven with the image' : ''})`
    : ` (${formatBytes(r.imageBytes)}, no bmap)`;
  const sum = r.checksum
    ? r.checksum === '--sha256'
      ? 'verified against --sha256'
      : `verified against SHA256SUMS (${r.checksum})`
    : /^https?:/i.test(r.image)
      ? 'NOT verified (--no-checksum): written as it was downloaded'
      : 'no checksum to verify against (no SHA256SUMS next to it, no --sha256)';
  const remembered = r.checksumRemembered
    ? ' (its sha256 as hashed by an earlier flash; the file is unchanged since)'
    : '';
  // Each seeded card gets configure's summary: hostname, login, fingerprint, what to do next.
  const seeds = r.cards.flatMap((c) => (c.seed ? ['', formatSeedReport(c.device, c.seed)] : []));
  const kept = r.download
    ? [
        r.download.cached
          ? `  image read from the download cache: ${r.download.path}`
          : `  downloaded to ${r.download.path}${r.download.resumedFrom ? ` (resumed at ${formatBytes(r.download.resumedFrom)})` : ''}; the next flash of it reads it from there`,
      ]
    : [];
  return [
    `Flashed ${r.image}${map}`,
    `  image ${sum}${remembered}`,
    ...kept,
    ...lines,
    ...failed,
    ...seeds,
  ].join('\n');
}
