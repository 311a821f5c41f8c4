/**
 * Everything decided before the first byte is written: the image (format, size, bmap), the
 * drives, which of them are safe, and the user's answers. Any problem here leaves every card
 * untouched.
 */
import { CancelledError, UsageError, UserError } from '../errors.js';
import type { Drive } from './drive.js';
import type { BmapChoice, FoundBmap } from './find-bmap.js';
import { armadaItself, devicesHolding } from './block-target.js';
import type { Platform } from './platform/index.js';
import type { FlashProgress, FlashQuestions } from './report.js';
import { cardBuses, isSafeTarget, type SafetyPolicy } from './safety.js';
import { log } from '../log.js';
import { imageFileTarget, isImageFileTarget } from './image-file.js';
import { partitionTableOf } from '../source/image-head.js';
import type { ProbedSource } from '../source/probe.js';
import { readImageHead } from '../source/read-head.js';
import type { ChecksumChoice, ExpectedChecksum } from '../source/checksum.js';
import { resolveImage } from './resolve-image.js';
import type { VerifiedFile } from '../download/fetch-verified.js';
import { headBytes } from './plan.js';
import { describeDrive, resolveTargets, type Target } from './targets.js';
import { option } from '../option-names.js';

export interface PrepareOptions {
  image: string;
  devices: readonly string[];
  yes: boolean;
  bmap: BmapChoice;
  allowVirtual: boolean;
  allowLarge: boolean;
  allowAnyBus?: boolean;
  checksum?: ChecksumChoice;
  /** Where a download's progress goes. */
  progress?: Pick<FlashProgress, 'download'>;
  /** Where downloads are kept (default: `downloads/` in armada's cache dir). */
  downloadsDir?: string;
  /** Memo of local images already hashed (default: in armada's cache dir); false: none. */
  digestMemo?: string | false;
  /** Who answers questions; without it, whatever needs an answer is refused. */
  questions?: FlashQuestions;
}

export interface Prepared {
  probe: ProbedSource;
  bmap?: FoundBmap;
  imageSize?: number;
  targets: Drive[];
  /** The expected sha256, checked already (a download was checked in the download cache). */
  checksum?: ExpectedChecksum;
  /** A URL's image in the download cache: `probe` reads it from there. */
  download?: VerifiedFile;
  /** The local image's sha256 came from the memo of files already hashed. */
  checksumRemembered?: boolean;
  /** The memo that digest came from. */
  rememberedIn?: string;
}

async function pickTargets(
  opts: PrepareOptions,
  drives: Drive[],
  policy: SafetyPolicy,
): Promise<Target[]> {
  if (opts.devices.length) {
    const files: Target[] = [];
    const devices: string[] = [];
    for (const name of opts.devices) {
      if (await isImageFileTarget(name)) files.push({ drive: await imageFileTarget(name) });
      else devices.push(name);
    }
    if (!devices.length) return files;
    const resolved = resolveTargets(devices, drives, policy);
    if (!resolved.ok) {
      const [first, ...rest] = resolved.problems;
      throw new UserError(
        rest.length
          ? `${resolved.problems.length} of the named drives cannot be flashed; nothing was written`
          : `${first}; nothing was written`,
        rest.length ? resolved.problems : [],
      );
    }
    return [...resolved.targets, ...files];
  }
  if (!opts.questions) {
    throw new UsageError(
      "name the card to write, e.g. 'armada flash IMAGE /dev/sdX --yes' ('armada drives' lists them)",
    );
  }
  const candidates = drives.filter((d) => isSafeTarget(d, policy).ok);
  if (!candidates.length) {
    throw new UserError(
      "no drive armada may write was found; insert a card ('armada drives --all' says why each drive is refused)",
    );
  }
  const chosen = await opts.questions.chooseDrives(candidates);
  const resolved = resolveTargets(
    chosen.map((d) => d.device),
    drives,
    policy,
  );
  if (!resolved.ok) throw new UserError(resolved.problems.join('; '));
  return resolved.targets;
}

/** Ask what must be asked; refuse what cannot be asked. */
async function confirmTargets(opts: PrepareOptions, all: Target[]): Promise<void> {
  // A new image file erases nothing.
  const targets = all.filter((t) => t.drive.kind !== 'image-file');
  if (!targets.length) return;
  const questions = opts.questions;
  for (const t of targets.filter((x) => x.confirm)) {
    if (!questions) throw new UserError(t.confirm!);
    if (!(await questions.confirm(t.confirm!))) throw new CancelledError();
  }
  if (opts.yes) return;
  if (!questions) {
    throw new UsageError(
      `pass ${option('yes')} to confirm erasing ${targets.map((t) => t.drive.device).join(', ')} (no terminal to ask on)`,
    );
  }
  const list = targets.map((t) => describeDrive(t.drive)).join(', ');
  if (!(await questions.confirm(`Everything on ${list} will be erased.`)))
    throw new CancelledError();
}

export async function prepareFlash(opts: PrepareOptions, platform: Platform): Promise<Prepared> {
  const { probe, bmap, checksum, download, checksumRemembered, rememberedIn } = await resolveImage({
    image: opts.image,
    bmap: opts.bmap,
    ...(opts.checksum ? { checksum: opts.checksum } : {}),
    ...(opts.progress?.download ? { download: opts.progress.download.bind(opts.progress) } : {}),
    ...(opts.downloadsDir ? { downloadsDir: opts.downloadsDir } : {}),
    ...(opts.digestMemo === undefined ? {} : { digestMemo: opts.digestMemo }),
  });
  if (!partitionTableOf(await readImageHead(probe, headBytes))) {
    throw new UserError(
      `${probe.display} is not a disk image: its first MiB holds no partition table (MBR or GPT); nothing was written. Name an image made by 'armada build' (.img, .img.xz, .img.zst, .zip)`,
    );
  }
  const imageSize = bmap?.map.imageSize ?? probe.imageSize;
  const drives = await platform.listDrives();
  const sourceDevices = await devicesHolding(
    [...(probe.localPath ? [probe.localPath] : []), ...armadaItself()],
    platform,
    drives,
  );
  const policy: SafetyPolicy = {
    ...(imageSize === undefined ? {} : { imageSizeBytes: imageSize }),
    sourceDevices,
    allowVirtual: opts.allowVirtual,
    allowLarge: opts.allowLarge,
    allowAnyBus: opts.allowAnyBus ?? false,
  };
  const targets = await pickTargets(opts, drives, policy);
  for (const { drive } of targets.filter((t) => t.drive.kind === 'disk')) {
    if (!cardBuses.has(drive.bus ?? ''))
      log.warn(
        `${drive.device} is on the ${drive.bus ?? 'unknown'} bus, where SD cards are not read; writing it only because ${option('allowAnyBus')} was given`,
      );
  }
  await confirmTargets(opts, targets);
  return {
    probe,
    ...(bmap ? { bmap } : {}),
    ...(imageSize === undefined ? {} : { imageSize }),
    ...(checksum ? { checksum } : {}),
    ...(download ? { download } : {}),
    ...(checksumRemembered ? { checksumRemembered } : {}),
    ...(rememberedIn ? { rememberedIn } : {}),
    targets: targets.map((t) => t.drive),
  };
}
