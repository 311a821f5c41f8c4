/**
 * `armada flash`: the edge of src/flash/. Decides how progress looks and numbers a fleet, then
 * calls flashImage; the CLI passes in the questions (src/cli/prompt.ts) and formats the result
 * (src/cli/flash-result.ts).
 */
import { interruptedSignal, onCleanup } from '../cleanup.js';
import { InterruptedError } from '../errors.js';
import type { Drive } from '../flash/drive.js';
import {
  CardsFailedError,
  flashImage,
  type FlashOptions,
  type FlashResult,
} from '../flash/flash-image.js';
import { numberFleet, type FleetNumbering, type Numbering } from '../flash/fleet-counter.js';
import type { FlashProgress } from '../flash/report.js';
import { silentReport, type StepReport } from '../progress.js';
import { describeDrive } from '../flash/targets.js';
import type { PreparedSeed, SeedFlags } from '../seed/types.js';
import { runTasks, type ListrTask } from '../tasks.js';

export type { FlashResult } from '../flash/flash-image.js';
export { CardsFailedError } from '../flash/flash-image.js';

/** `questions` come from the CLI (src/cli/prompt.ts): absent, nothing is asked. */
export type FlashCommandOptions = Omit<FlashOptions, 'progress' | 'statusEveryMs' | 'seed'> & {
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
function listrProgress(): FlashProgress {
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

export type { Numbering } from '../flash/fleet-counter.js';

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
  let fleet: FleetNumbering | undefined;
  const hook: NonNullable<FlashOptions['seed']> & { numbering?: Numbering } = {
    prepare: async (count: number) => {
      // A template numbers a fleet: without --start, go on where the last run with it stopped.
      fleet = await numberFleet(flags);
      if (fleet) hook.numbering = fleet.numbering;
      return prepareSeeds(fleet?.flags ?? flags, count);
    },
    write: async (device: string, _index: number, prepared: unknown) => {
      const seed = prepared as PreparedSeed;
      await writeSeed(device, seed);
      // Written, read back, seeded: only now does this card's number count as used.
      await fleet?.seeded(seed.index, seed.hostname ?? device);
      return seedReport(seed);
    },
  };
  return hook;
}
