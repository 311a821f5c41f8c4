/**
 * The life of one card after the shared pass over the image: flush, read back, only then the
 * partition table (and its read-back), the seed, and the platform's goodbye (eject on macOS).
 */
import type { Platform } from './platform/index.js';
import type { Drive } from './drive.js';
import type { CopyResult } from './copy.js';
import { readBack } from './readback.js';
import type { DeviceWriter } from './writer.js';
import { formatProgress } from './progress.js';
import { log } from '../log.js';
import type { SeedReport } from '../seed/report.js';
import { hasFirstBootUnit, notArmadaWarning } from './armada-image.js';
import { completeImageFile } from './image-file.js';
import type { EjectOutcome } from './eject.js';

export interface SeedHook {
  /** Validate everything and make one seed per card, before anything is written. */
  prepare(count: number): Promise<unknown[]>;
  /** Write a prepared seed into the card's boot partition (after the image is on it). */
  write(device: string, index: number, prepared: unknown): Promise<SeedReport | void>;
}

export interface CardJob {
  index: number;
  drive: Drive;
  writer: DeviceWriter;
  startedAt: number;
}

export interface CardResult {
  device: string;
  description: string;
  sizeBytes: number;
  bytesWritten: number;
  seconds: number;
  verified: boolean;
  seeded: boolean;
  /** The seed written, when one was. */
  seed?: SeedReport;
  /** Whether the card's root partition has armada's first-boot unit (checked when seeding). */
  armadaImage?: boolean;
  /** Linux: how the card was left (ejected, its reader powered off, or flushed and attached). */
  eject?: EjectOutcome;
}

export interface CardSteps {
  platform: Platform;
  verify: boolean;
  seed?: { hook: SeedHook; prepared: unknown[] };
  /**
   * The image (all but its first MiB) is written and flushed to this card, before its read-back:
   * what reads the card's partitions may start then, beside the read-back.
   */
  imageOnCard?: (device: string) => void;
  /** Progress line for people, and how often to update it. */
  status: (text: string) => void;
  statusEveryMs: number;
}

async function verifyRecords(
  job: CardJob,
  steps: CardSteps,
  records: CopyResult['records'],
  what: string,
): Promise<void> {
  const total = records.reduce(
    (n, r) => n + r.segments.reduce((m, s) => m + s.end - s.start, 0),
    0,
  );
  const started = Date.now();
  let done = 0;
  let shown = 0;
  steps.status(`verifying ${what}`);
  await steps.platform.dropCache(job.drive);
  await readBack(job.drive.device, job.drive.rawDevice, records, (n) => {
    done += n;
    if (Date.now() - shown < steps.statusEveryMs) return;
    shown = Date.now();
    steps.status(
      `verifying ${what}: ${formatProgress({ done, total, elapsedMs: shown - started })}`,
    );
  });
}

export async function finishCard(
  job: CardJob,
  copy: CopyResult,
  steps: CardSteps,
): Promise<CardResult> {
  const { writer, drive } = job;
  const mark = (what: string) =>
    log.debug(
      `${drive.device}: ${what} after ${((Date.now() - job.startedAt) / 1000).toFixed(2)} s`,
    );
  const written = Date.now();
  steps.status('flushing to the card');
  await writer.finish();
  mark(
    `image written and flushed (${(writer.idleMs / 1000).toFixed(2)} s without a write in flight, ` +
      `then ${((Date.now() - written) / 1000).toFixed(2)} s to flush)`,
  );
  steps.imageOnCard?.(drive.kind === 'image-file' ? drive.rawDevice : drive.device);
  if (steps.verify) {
    await verifyRecords(job, steps, copy.records, 'the image');
    mark('image verified');
  }
  steps.status('writing the partition table');
  await writer.writeAt(copy.head, 0);
  await writer.finish();
  if (steps.verify) await verifyRecords(job, steps, [copy.headRecord], 'the partition table');
  mark('partition table written');
  await writer.close();
  let seeded = false;
  let seed: SeedReport | undefined;
  let armadaImage: boolean | undefined;
  // An image file is written under a temporary name until it is complete.
  const node = drive.kind === 'image-file' ? drive.rawDevice : drive.device;
  if (steps.seed) {
    armadaImage = await hasFirstBootUnit(node);
    steps.status('writing the seed');
    seed =
      (await steps.seed.hook.write(node, job.index, steps.seed.prepared[job.index])) ?? undefined;
    seeded = true;
    if (!armadaImage) log.warn(notArmadaWarning(drive.device));
  }
  if (drive.kind === 'image-file') await completeImageFile(drive, copy.imageBytes);
  await steps.platform.afterWrite(drive);
  mark('done');
  return {
    device: drive.device,
    description: drive.description,
    sizeBytes: drive.sizeBytes,
    bytesWritten: writer.bytesWritten,
    seconds: Math.round((Date.now() - job.startedAt) / 100) / 10,
    verified: steps.verify,
    seeded,
    ...(seed ? { seed } : {}),
    ...(armadaImage === undefined ? {} : { armadaImage }),
  };
}
