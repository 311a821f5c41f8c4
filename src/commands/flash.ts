/**
 * `armada flash`: the edge of src/flash/. Decides what only the terminal can decide (questions,
 * how progress looks), calls flashImage and formats its result.
 */
import type { ListrTask } from 'listr2';
import { canAsk, terminalQuestions } from '../cli/prompt.js';
import { formatBytes, type Drive } from '../flash/drive.js';
import { flashImage, type FlashOptions, type FlashResult } from '../flash/flash-image.js';
import { formatRate, rate } from '../flash/progress.js';
import type { FlashProgress } from '../flash/report.js';
import { silentReport, type StepReport } from '../progress.js';
import { describeDrive } from '../flash/targets.js';
import type { PreparedSeed, SeedFlags } from '../seed/types.js';
import { runTasks } from '../tasks.js';
import { formatSeedReport } from '../cli/seed-report.js';

export type { FlashResult } from '../flash/flash-image.js';

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
 * flash's progress as listr2 tasks: one line for the whole run (✖ unless every card succeeded)
 * and one per card. Plain output (logs, CI) names the card on every progress line.
 */
export function listrProgress(): FlashProgress {
  let run: Promise<unknown> | undefined;
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
              await done.promise;
            },
            rendererOptions: { persistentOutput: false },
          },
        ],
        {},
      ).catch(() => undefined);
      return {
        status: (text) => show.status(text),
        title: (text) => show.title(text),
        async end(error) {
          done.settle(error);
          await run;
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
            await cards[i].promise;
            task.title = `${describeDrive(drive)}: done`;
          },
          rendererOptions: { persistentOutput: false },
        };
      });
      const overallTask: ListrTask<object> = { title, task: () => overall.promise };
      run = runTasks([overallTask, ...cardTasks], {}, { concurrent: true }).catch(() => undefined);
    },
    status: (card, text) => outputs[card]?.(text),
    cardEnded: (card, error) => cards[card]?.settle(error),
    async end(error) {
      overall.settle(error);
      await run;
    },
  };
}

export async function runFlash(opts: FlashCommandOptions): Promise<FlashResult> {
  const { seed, ...rest } = opts;
  return flashImage({
    ...rest,
    ...(canAsk() ? { questions: terminalQuestions } : {}),
    progress: listrProgress(),
    statusEveryMs: plainOutput() ? 5000 : 500,
    ...(seed ? { seed: await seedHook(seed) } : {}),
  });
}

async function seedHook(flags: SeedFlags): Promise<NonNullable<FlashOptions['seed']>> {
  const { prepareSeeds, writeSeed } = await import('../seed/apply.js');
  const { seedReport } = await import('../seed/report.js');
  return {
    prepare: (count: number) => prepareSeeds(flags, count),
    write: async (device: string, _index: number, prepared: unknown) => {
      const seed = prepared as PreparedSeed;
      await writeSeed(device, seed);
      return seedReport(seed);
    },
  };
}

export function formatFlashResult(r: FlashResult): string {
  const lines = r.cards.map((c) => {
    const speed = formatRate(rate(c.bytesWritten, c.seconds * 1000));
    return `${c.device}: wrote ${formatBytes(c.bytesWritten)} in ${c.seconds} s (${speed})${c.verified ? ', verified' : ', NOT verified'}${c.seeded ? ', seeded' : ''}`;
  });
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
    ...seeds,
  ].join('\n');
}
