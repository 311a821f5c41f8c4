/**
 * The writing itself, once every check passed and every question was answered: open the cards,
 * clear their partition tables, one pass over the image feeding them all, then each card's own
 * read-back, partition table and seed. A failing card does not stop the others.
 */
import { byteRanges } from '../bmap/types.js';
import { onCleanup, interruptedSignal } from '../cleanup.js';
import { classify, ExitCode, InterruptedError, UserError } from '../errors.js';
import { alignedBuffer } from './aligned.js';
import { finishCard, type CardJob, type CardResult, type SeedHook } from './card.js';
import { copyImage, type CopyResult } from './copy.js';
import type { Drive } from './drive.js';
import { identityMessage, identityProblems } from './identity.js';
import type { FoundBmap } from './find-bmap.js';
import { defaultChunkBytes, headBytes, plannedBytes } from './plan.js';
import type { Platform } from './platform/index.js';
import { formatProgress } from './progress.js';
import type { FlashProgress } from './report.js';
import type { FlashResult } from './flash-image.js';
import type { ProbedSource } from '../source/probe.js';
import { startSource } from '../source/start.js';
import { DeviceWriter } from './writer.js';

export interface WriteCardsOptions {
  probe: ProbedSource;
  bmap?: FoundBmap;
  imageSize?: number;
  targets: readonly Drive[];
  platform: Platform;
  verify: boolean;
  /** Hash the bmap's ranges as they stream past (see CopyOptions.checkRanges). */
  checkRanges: boolean;
  seed?: { hook: SeedHook; prepared: unknown[] };
  progress: FlashProgress;
  statusEveryMs: number;
  chunkBytes?: number;
  poolBuffers?: number;
  syncEveryBytes?: number;
  maxInFlight?: number;
  directIo?: boolean;
  /**
   * The first card holds the image but its first MiB (written last), which is `head`: a reader of
   * its partitions can start beside the read-back, with the partition table from `head`.
   */
  imageOnFirstCard?: (device: string, head: Buffer) => void;
  /** Debug timing marks. */
  mark: (what: string) => void;
}

export interface WriteCardsResult {
  copy: CopyResult;
  /** The cards written, in the order they were named. */
  cards: readonly CardResult[];
  /** Set when some of the cards failed (the others are in `cards`). */
  failure?: CardsFailedError;
}

/** After Ctrl-C every failure is the interrupt ("Premature close" is only how it surfaced). */
function asOutcome(error: unknown): Error {
  const signal = interruptedSignal();
  if (signal) return error instanceof InterruptedError ? error : new InterruptedError(signal);
  return error instanceof Error ? error : new Error(String(error));
}

/** One card of several that failed, as a result lists it. */
export interface CardFailure {
  device: string;
  description: string;
  error: { message: string; exitCode: ExitCode };
}

/**
 * Some (or all) of several cards failed. The cards that were written still count: `written`
 * holds their results, so the edge can print their summary and seeds next to the failures.
 */
export class CardsFailedError extends UserError {
  override readonly exitCode: ExitCode;
  constructor(
    readonly written: readonly CardResult[],
    readonly failed: readonly CardFailure[],
    /** The run's result with the cards written, once flashImage made it. */
    readonly result?: FlashResult,
  ) {
    const total = written.length + failed.length;
    super(
      failed.length === total
        ? `all ${total} cards failed`
        : `${failed.length} of ${total} cards failed (${written.map((c) => c.device).join(', ')} ${written.length === 1 ? 'was' : 'were'} written)`,
      failed.map((f) => `${f.device}: ${f.error.message}`),
    );
    this.exitCode = failed.every((f) => f.error.exitCode === ExitCode.checkFailed)
      ? ExitCode.checkFailed
      : ExitCode.user;
  }

  withResult(result: FlashResult): CardsFailedError {
    return new CardsFailedError(this.written, this.failed, result);
  }
}

function failureOf(
  errors: { drive: Drive; error: Error }[],
  results: readonly CardResult[],
  total: number,
): Error {
  if (errors.length === 1 && total === 1) return errors[0].error;
  // After Ctrl-C the run's outcome is the interruption, whatever each card made of it.
  const interrupted = errors.find((e) => e.error instanceof InterruptedError);
  if (interrupted) return interrupted.error;
  return new CardsFailedError(
    results.filter(Boolean),
    errors.map(({ drive, error }) => {
      const e = classify(error);
      return {
        device: drive.device,
        description: drive.description,
        error: { message: e.message, exitCode: e.exitCode },
      };
    }),
  );
}

async function openWriters(opts: WriteCardsOptions, writers: DeviceWriter[]): Promise<void> {
  for (const drive of opts.targets) {
    writers.push(
      await DeviceWriter.open(drive.device, drive.rawDevice, drive.sizeBytes, {
        syncEveryBytes: opts.syncEveryBytes ?? 64 << 20,
        // A queue deep enough to keep one card busy; with several, libuv's 4 threads are shared.
        maxInFlight: opts.maxInFlight ?? (opts.targets.length === 1 ? 3 : 2),
        exclusive: opts.platform.exclusiveOpen,
        create: drive.kind === 'image-file',
        direct: opts.directIo ?? true,
      }),
    );
  }
}

/** Refuse a card that is not the one checked (swapped at the prompt): before any byte is written. */
async function checkIdentities(opts: WriteCardsOptions, writers: readonly DeviceWriter[]) {
  for (const [i, writer] of writers.entries()) {
    const drive = opts.targets[i];
    const problems = identityProblems(
      drive,
      await opts.platform.identify(drive, await writer.rdev()),
    );
    if (problems.length) throw new UserError(identityMessage(drive.device, problems));
  }
}

export async function writeCards(opts: WriteCardsOptions): Promise<WriteCardsResult> {
  const { probe, bmap, imageSize, targets, progress } = opts;
  const writers: DeviceWriter[] = [];
  const closeAll = onCleanup('close the cards', async () => {
    for (const w of writers) await w.close();
  });
  try {
    await openWriters(opts, writers);
    await checkIdentities(opts, writers);
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
      opts.mark(
        `cards opened${writers.every((w) => w.direct) ? ' (O_DIRECT)' : ''} and their partition tables cleared`,
      );
      progress.begin(
        `Write ${probe.display}${bmap ? ' (with bmap)' : ''} to ${targets.length === 1 ? targets[0].device : `${targets.length} cards`}`,
        targets,
      );
      const copy = copyImage(
        {
          input: source.input,
          display: probe.display,
          ...(bmap ? { bmap } : {}),
          ...(imageSize === undefined ? {} : { imageSize }),
          chunkBytes: opts.chunkBytes ?? defaultChunkBytes,
          poolBuffers: opts.poolBuffers ?? 8,
          verify: opts.verify,
          checkRanges: opts.checkRanges,
          stopSource,
        },
        writers,
      );
      copy.catch(() => undefined);
      const total = plannedBytes(bmap ? byteRanges(bmap.map) : undefined, imageSize);
      const results: CardResult[] = [];
      const errors: { drive: Drive; error: Error }[] = [];
      const runCard = async (writer: DeviceWriter, index: number) => {
        const job: CardJob = { index, drive: targets[index], writer, startedAt: Date.now() };
        const ticker = setInterval(() => {
          progress.status(
            index,
            `writing ${formatProgress({ done: writer.bytesWritten, ...(total ? { total } : {}), elapsedMs: Date.now() - job.startedAt })}`,
          );
        }, opts.statusEveryMs);
        try {
          const copied = await copy.finally(() => clearInterval(ticker));
          results[index] = await finishCard(job, copied, {
            platform: opts.platform,
            verify: opts.verify,
            statusEveryMs: opts.statusEveryMs,
            ...(opts.seed ? { seed: opts.seed } : {}),
            ...(index === 0 && opts.imageOnFirstCard
              ? { imageOnCard: (device: string) => opts.imageOnFirstCard?.(device, copied.head) }
              : {}),
            status: (t) => progress.status(index, t),
          });
          progress.cardEnded(index);
        } catch (error) {
          const outcome = asOutcome(error);
          errors.push({ drive: job.drive, error: outcome });
          progress.cardEnded(index, outcome);
        } finally {
          clearInterval(ticker);
        }
      };
      await Promise.all(writers.map(runCard));
      // A source failure (corrupt image, bmap mismatch) wins over the cards' errors.
      const copied = await copy.catch((error: unknown) => {
        throw asOutcome(error);
      });
      opts.mark(
        `image read, waiting ${(copied.waits.cardsMs / 1000).toFixed(2)} s for the cards and ` +
          `${(copied.waits.sourceMs / 1000).toFixed(2)} s for image bytes`,
      );
      opts.mark('all cards done');
      if (errors.length) {
        const failure = failureOf(errors, results, targets.length);
        if (!(failure instanceof CardsFailedError && failure.written.length)) throw failure;
        await progress.end(failure);
        return { copy: copied, cards: failure.written, failure };
      }
      await progress.end();
      return { copy: copied, cards: results };
    } finally {
      await stopSource();
    }
  } catch (error) {
    const outcome = asOutcome(error);
    await progress.end(outcome);
    throw outcome;
  } finally {
    await closeAll();
  }
}
