/**
 * `flash` as a library call: check the image and the cards, ask what must be asked (through the
 * caller's questions), then write every card in one pass over the image, verify, and seed.
 */
import type { CardResult, SeedHook } from './card.js';
import type { BmapChoice } from './find-bmap.js';
import type { SignatureVerdict } from '../sign/sshsig.js';
import type { ChecksumChoice } from '../source/checksum.js';
import { currentPlatform, type Platform } from './platform/index.js';
import { prepareFlash } from './prepare.js';
import { silentProgress, type FlashProgress, type FlashQuestions } from './report.js';
import { writeCards } from './write-cards.js';
import { log } from '../log.js';
import { cannotBootWarnings } from '../image/pi-models.js';
import { readPiModelVerdicts } from '../kernel/read-pi-models.js';
import { mbrPartitionTable, type PartitionTable } from '../image/partition-table.js';
import { onCleanup } from '../cleanup.js';
import { removePartial, withImageFiles } from './image-file.js';
import { forgetLocalImage } from '../source/local-digest.js';
import { ejectCard, type EjectMode } from './eject.js';

export type { SeedHook } from './card.js';
export { CardsFailedError, type CardFailure } from './write-cards.js';
export type { BmapChoice } from './find-bmap.js';

export interface FlashOptions {
  /** Path or https URL of .img, .img.xz, .img.gz, .img.zst or .zip. */
  image: string;
  /** Device nodes; empty: choose through `questions`. */
  devices: string[];
  yes: boolean;
  verify: boolean;
  bmap: BmapChoice;
  allowVirtual: boolean;
  allowLarge: boolean;
  /** Write disks on buses where cards are not read (SATA, NVMe…): --dangerously-allow-any-bus. */
  allowAnyBus?: boolean;
  /** --sha256, --sha256sums, --no-checksum, --allow-http. */
  checksum?: ChecksumChoice;
  /** Where downloaded images are kept (default: `downloads/` in armada's cache dir). */
  downloadsDir?: string;
  /**
   * Memo of local images already hashed against a SHA256SUMS or --sha256 (default:
   * `verified-images.json` in armada's cache dir), so the next card skips re-reading the same,
   * unchanged file; false: hash every time.
   */
  digestMemo?: string | false;
  /** Who answers questions (which card, "really erase?"); none: refuse what needs an answer. */
  questions?: FlashQuestions;
  /** Where progress goes; default: nowhere. */
  progress?: FlashProgress;
  /** How often a card's progress line is updated. */
  statusEveryMs?: number;
  seed?: SeedHook;
  /** Tuning, for benchmarks and tests. */
  chunkBytes?: number;
  poolBuffers?: number;
  syncEveryBytes?: number;
  maxInFlight?: number;
  /** O_DIRECT writes and reads (default on; off: through the page cache). */
  directIo?: boolean;
  /**
   * Linux, once each card is flushed: eject the medium, the reader staying (default);
   * 'power-off': power the USB reader off; 'none': leave it attached (plan-eject.ts).
   */
  eject?: EjectMode;
  platform?: Platform;
}

export interface FlashResult {
  image: string;
  format: string;
  bmap?: string;
  imageBytes: number;
  mappedBytes: number;
  /** Bmap ranges hashed while streaming (0 when the image and its bmap were proven up front). */
  rangesVerified: number;
  /** The image and its bmap were both proven by `checksum` before writing. */
  bmapProven?: boolean;
  verified: boolean;
  /** Where the image's sha256 came from, when it was checked ('SHA256SUMS' path/URL or '--sha256'). */
  checksum?: string;
  /** The sha256 was remembered from an earlier run that hashed this very, unchanged file. */
  checksumRemembered?: boolean;
  /** SHA256SUMS's signature: which trusted key made it, or why it was not checked. */
  signature?: SignatureVerdict;
  /** A URL's image: where the download cache keeps it, and whether this run fetched it. */
  download?: { path: string; cached: boolean; downloadedBytes: number; resumedFrom?: number };
  seconds: number;
  cards: CardResult[];
}

/**
 * Which Pi models the image cannot boot (a Pi 5 with Debian's kernel), read from `target`: a local
 * raw image itself, while the cards are written; else the first card, the one place every source
 * format (xz, zip, URL) ends up readable: while it is read back, with `table` taken from the
 * image's first MiB (the card's own is written last), or after the flash. Either way its tool runs
 * (sfdisk, mtools, debugfs: about half a second) are off the end of the flash. Best effort: what
 * armada cannot read (no FAT, no sfdisk on macOS) gets no warning.
 */
async function unbootableModelWarnings(target: string, table?: PartitionTable): Promise<string[]> {
  try {
    return cannotBootWarnings(await readPiModelVerdicts(target, table));
  } catch (error) {
    log.debug(`Pi model check skipped: ${(error as Error).message}`);
    return [];
  }
}

export async function flashImage(opts: FlashOptions): Promise<FlashResult> {
  const started = Date.now();
  const mark = (what: string) =>
    log.debug(`${what} after ${((Date.now() - started) / 1000).toFixed(2)} s`);
  const platform = withImageFiles(opts.platform ?? (await currentPlatform()));
  const prepared = await prepareFlash(opts, platform);
  mark('image and cards checked');
  const { probe, bmap, imageSize, targets, checksum, download, checksumRemembered, rememberedIn } =
    prepared;
  const bmapProven = Boolean(checksum && bmap?.vouch);
  // The seed is validated and rendered for every card before any card is touched.
  const seeds = opts.seed ? await opts.seed.prepare(targets.length) : undefined;

  for (const drive of targets) await platform.unmount(drive);
  const removePartials = onCleanup('remove unfinished image files', async () => {
    for (const d of targets.filter((t) => t.kind === 'image-file')) await removePartial(d);
  });
  const earlyWarnings =
    probe.format === 'raw' && probe.localPath
      ? unbootableModelWarnings(probe.localPath)
      : undefined;
  // Otherwise the first card is read once the image is on it, beside its read-back (an MBR image:
  // the table comes from the head armada holds, as the card's is written last), or after the flash.
  let cardWarnings: Promise<string[]> | undefined;
  const imageOnFirstCard = (device: string, head: Buffer) => {
    const table = earlyWarnings ? undefined : mbrPartitionTable(head);
    if (table) cardWarnings = unbootableModelWarnings(device, table);
  };
  // A remembered digest vouched for bytes this run did not hash: after a failure the next run
  // hashes them.
  const forget = async () => {
    if (rememberedIn && probe.localPath) await forgetLocalImage(probe.localPath, rememberedIn);
  };
  const written = await writeCards({
    probe,
    ...(bmap ? { bmap } : {}),
    ...(imageSize === undefined ? {} : { imageSize }),
    targets,
    platform,
    verify: opts.verify,
    // With the source proven and the card read back against the bmap, hashing each range on its
    // way to the card proves nothing more. Without the read-back it is the last line of defence
    // against what a remembered digest cannot see (the file's bits rotting on disk since).
    checkRanges: !(bmapProven && opts.verify),
    ...(seeds && opts.seed ? { seed: { hook: opts.seed, prepared: seeds } } : {}),
    progress: opts.progress ?? silentProgress,
    statusEveryMs: opts.statusEveryMs ?? 5000,
    ...(opts.chunkBytes === undefined ? {} : { chunkBytes: opts.chunkBytes }),
    ...(opts.poolBuffers === undefined ? {} : { poolBuffers: opts.poolBuffers }),
    ...(opts.syncEveryBytes === undefined ? {} : { syncEveryBytes: opts.syncEveryBytes }),
    ...(opts.maxInFlight === undefined ? {} : { maxInFlight: opts.maxInFlight }),
    ...(opts.directIo === undefined ? {} : { directIo: opts.directIo }),
    imageOnFirstCard,
    mark,
  })
    .then(async (result) => {
      if (result.failure) await forget();
      return result;
    })
    .catch(async (error: unknown) => {
      await forget();
      throw error;
    })
    .finally(removePartials);
  const first = written.cards[0]?.device;
  const warnings =
    (await earlyWarnings) ??
    (await cardWarnings) ??
    (first ? await unbootableModelWarnings(first) : []);
  for (const w of warnings) log.warn(w);
  // Last, once nothing reads the cards any more (the Pi model check above reads the first).
  const cards = [];
  for (const card of written.cards) {
    const drive = targets.find((t) => t.device === card.device);
    const eject = drive ? await ejectCard(drive, platform, opts.eject ?? 'eject') : undefined;
    cards.push(eject ? { ...card, eject } : card);
  }
  const result: FlashResult = {
    image: probe.input,
    format: probe.format,
    ...(bmap ? { bmap: bmap.origin } : {}),
    imageBytes: written.copy.imageBytes,
    mappedBytes: written.copy.mappedBytes,
    rangesVerified: written.copy.rangesVerified,
    ...(bmapProven ? { bmapProven } : {}),
    verified: opts.verify,
    ...(checksum ? { checksum: checksum.origin } : {}),
    ...(checksum?.signature ? { signature: checksum.signature } : {}),
    ...(checksumRemembered ? { checksumRemembered } : {}),
    ...(download
      ? {
          download: {
            path: download.path,
            cached: download.cached,
            downloadedBytes: download.downloadedBytes,
            ...(download.resumedFrom ? { resumedFrom: download.resumedFrom } : {}),
          },
        }
      : {}),
    seconds: Math.round((Date.now() - started) / 100) / 10,
    cards,
  };
  // Some cards failed: the error carries what the others got, for their summary.
  if (written.failure) throw written.failure.withResult(result);
  return result;
}
