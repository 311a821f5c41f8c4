/**
 * `armada flash`: write an image (file or URL, raw or compressed) to one or more cards in one pass,
 * guided by a bmap, verified by reading back, partition table last, then the seed.
 */
import type { ListrTask } from 'listr2';
import { CheckFailedError, UserError } from '../errors.js';
import { onCleanup } from '../cleanup.js';
import { runTasks } from '../tasks.js';
import { log } from '../log.js';
import { cannotBootWarnings } from '../image/pi-models.js';
import { readPiModelVerdicts } from '../image/read-pi-models.js';
import { finishCard, type CardJob, type CardResult, type SeedHook } from '../flash/card.js';
import { copyImage, type CopyResult } from '../flash/copy.js';
import { formatBytes } from '../flash/drive.js';
import type { BmapChoice } from '../flash/find-bmap.js';
import { defaultChunkBytes, headBytes, plannedBytes } from '../flash/plan.js';
import { currentPlatform, type Platform } from '../flash/platform/index.js';
import { prepareFlash } from '../flash/prepare.js';
import { formatProgress, formatRate, rate } from '../flash/progress.js';
import { startSource } from '../flash/source/start.js';
import { describeDrive } from '../flash/targets.js';
import { DeviceWriter } from '../flash/writer.js';
import { alignedBuffer } from '../flash/aligned.js';
import { byteRanges } from '../bmap/types.js';

export type { SeedHook } from '../flash/card.js';
export type { BmapChoice } from '../flash/find-bmap.js';

export interface FlashOptions {
  /** Path or http(s) URL of .img, .img.xz, .img.gz, .img.zst or .zip. */
  image: string;
  /** Device nodes; empty: choose interactively. */
  devices: string[];
  yes: boolean;
  verify: boolean;
  bmap: BmapChoice;
  allowVirtual: boolean;
  allowLarge: boolean;
  /** Ask questions on the terminal; default: when stdin and stderr are TTYs. */
  interactive?: boolean;
  /** No progress output (tests, --json pipelines). */
  silent?: boolean;
  seed?: SeedHook;
  /** Tuning, for benchmarks and tests. */
  chunkBytes?: number;
  poolBuffers?: number;
  syncEveryBytes?: number;
  maxInFlight?: number;
  /** O_DIRECT writes and reads (default on; off: through the page cache). */
  directIo?: boolean;
  platform?: Platform;
}

export interface FlashResult {
  image: string;
  format: string;
  bmap?: string;
  imageBytes: number;
  mappedBytes: number;
  rangesVerified: number;
  verified: boolean;
  seconds: number;
  cards: CardResult[];
}

function failureOf(errors: { device: string; error: unknown }[]): Error {
  if (errors.length === 1) return errors[0].error as Error;
  const details = errors.map((e) => `${e.device}: ${(e.error as Error).message}`);
  const message = `${errors.length} cards failed`;
  return errors.every((e) => e.error instanceof CheckFailedError)
    ? new CheckFailedError(message, details)
    : new UserError(message, details);
}

/** Progress lines: often on a terminal, sparingly in logs (the simple renderer prints each one). */
const statusEveryMs = !process.stderr.isTTY || process.env.CI ? 5000 : 500;

function cardTask(
  job: CardJob,
  copy: Promise<CopyResult>,
  run: (job: CardJob, c: CopyResult, status: (t: string) => void) => Promise<void>,
  total?: number,
): ListrTask {
  return {
    title: describeDrive(job.drive),
    task: async (_ctx, task) => {
      const ticker = setInterval(() => {
        task.output = `writing ${formatProgress({ done: job.writer.bytesWritten, ...(total ? { total } : {}), elapsedMs: Date.now() - job.startedAt })}`;
      }, statusEveryMs);
      try {
        const result = await copy.finally(() => clearInterval(ticker));
        await run(job, result, (t) => (task.output = t));
        task.title = `${describeDrive(job.drive)}: done`;
      } finally {
        clearInterval(ticker);
      }
    },
    rendererOptions: { persistentOutput: false },
  };
}

/**
 * Read back from the first card which Pi models the image cannot boot (a Pi 5 with Debian's
 * kernel): the card is the one place every source format (xz, zip, URL) ends up readable.
 * Best effort: a card armada cannot read (no FAT, no sfdisk on macOS) gets no warning.
 */
async function warnUnbootableModels(device: string): Promise<void> {
  try {
    for (const w of cannotBootWarnings(await readPiModelVerdicts(device))) log.warn(w);
  } catch (error) {
    log.debug(`Pi model check skipped: ${(error as Error).message}`);
  }
}

export async function flashImage(opts: FlashOptions): Promise<FlashResult> {
  const started = Date.now();
  const platform = opts.platform ?? (await currentPlatform());
  const interactive = opts.interactive ?? Boolean(process.stdin.isTTY && process.stderr.isTTY);
  const prepared = await prepareFlash({ ...opts, interactive }, platform);
  const mark = (what: string) =>
    log.debug(`${what} after ${((Date.now() - started) / 1000).toFixed(2)} s`);
  mark('image and cards checked');
  const { probe, bmap, imageSize, targets } = prepared;
  // The seed is validated and rendered for every card before any card is touched.
  const seeds = opts.seed ? await opts.seed.prepare(targets.length) : undefined;

  for (const drive of targets) await platform.unmount(drive);
  const writers: DeviceWriter[] = [];
  const closeAll = onCleanup('close the cards', async () => {
    for (const w of writers) await w.close();
  });
  try {
    for (const drive of targets) {
      writers.push(
        await DeviceWriter.open(drive.device, drive.rawDevice, drive.sizeBytes, {
          syncEveryBytes: opts.syncEveryBytes ?? 64 << 20,
          // A queue deep enough to keep one card busy; with several, libuv's 4 threads are shared.
          maxInFlight: opts.maxInFlight ?? (targets.length === 1 ? 3 : 2),
          exclusive: platform.exclusiveOpen,
          direct: opts.directIo ?? true,
        }),
      );
    }
    const source = await startSource(probe);
    const stopSource = onCleanup('stop reading the image', () => source.close());
    try {
      // The old partition table goes first, so an interrupted write leaves no bootable-looking card.
      const zeros = alignedBuffer(headBytes);
      await Promise.all(
        writers.map(async (w) => w.writeAt(zeros.subarray(0, Math.min(headBytes, w.sizeBytes)), 0)),
      );
      const failedEarly = writers.find((w) => w.error)?.error;
      if (failedEarly) throw failedEarly;
      mark(
        `cards opened${writers.every((w) => w.direct) ? ' (O_DIRECT)' : ''} and their partition tables cleared`,
      );

      const jobs: CardJob[] = writers.map((writer, index) => ({
        index,
        drive: targets[index],
        writer,
        startedAt: Date.now(),
      }));
      const copy = copyImage(
        {
          input: source.input,
          display: probe.display,
          ...(bmap ? { bmap } : {}),
          ...(imageSize === undefined ? {} : { imageSize }),
          chunkBytes: opts.chunkBytes ?? defaultChunkBytes,
          poolBuffers: opts.poolBuffers ?? 8,
          verify: opts.verify,
          stopSource,
        },
        writers,
      );
      copy.catch(() => undefined);
      const results: CardResult[] = [];
      const errors: { device: string; error: unknown }[] = [];
      const total = plannedBytes(bmap ? byteRanges(bmap.map) : undefined, imageSize);
      const runCard = async (job: CardJob, c: CopyResult, status: (t: string) => void) => {
        try {
          results[job.index] = await finishCard(job, c, {
            platform,
            verify: opts.verify,
            statusEveryMs,
            ...(seeds && opts.seed ? { seed: { hook: opts.seed, prepared: seeds } } : {}),
            status,
          });
        } catch (error) {
          errors.push({ device: job.drive.device, error });
          throw error;
        }
      };
      await runTasks(
        [
          {
            title: `Write ${probe.display}${bmap ? ' (with bmap)' : ''} to ${targets.length === 1 ? targets[0].device : `${targets.length} cards`}`,
            task: (_ctx, task) =>
              task.newListr(
                jobs.map((job) => cardTask(job, copy, runCard, total)),
                { concurrent: true, exitOnError: false },
              ),
          },
        ],
        {},
        { silent: opts.silent ?? false },
      ).catch(() => undefined);
      const copied = await copy; // a source failure (corrupt image, bmap mismatch) wins over card errors
      mark('all cards done');
      if (errors.length) throw failureOf(errors);
      await warnUnbootableModels(targets[0].device);
      return {
        image: probe.input,
        format: probe.format,
        ...(bmap ? { bmap: bmap.origin } : {}),
        imageBytes: copied.imageBytes,
        mappedBytes: copied.mappedBytes,
        rangesVerified: copied.rangesVerified,
        verified: opts.verify,
        seconds: Math.round((Date.now() - started) / 100) / 10,
        cards: results,
      };
    } finally {
      await stopSource();
    }
  } finally {
    await closeAll();
  }
}

export function formatFlashResult(r: FlashResult): string {
  const lines = r.cards.map((c) => {
    const speed = formatRate(rate(c.bytesWritten, c.seconds * 1000));
    return `${c.device}: wrote ${formatBytes(c.bytesWritten)} in ${c.seconds} s (${speed})${c.verified ? ', verified' : ', NOT verified'}${c.seeded ? ', seeded' : ''}`;
  });
  const map = r.bmap
    ? ` using ${r.bmap} (${formatBytes(r.mappedBytes)} mapped of ${formatBytes(r.imageBytes)})`
    : ` (${formatBytes(r.imageBytes)}, no bmap)`;
  return [`Flashed ${r.image}${map}`, ...lines].join('\n');
}
