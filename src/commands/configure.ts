/**
 * `armada configure <image.img|device>`: write (or replace) the seed on an image file or a card
 * that already holds an image. Everything is validated before the target is touched. A `{n}`
 * host name is numbered as flash numbers it (src/flash/fleet-counter.ts): one reader, one card
 * per run, the same counter.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { log } from '../log.js';
import { hasFirstBootUnit } from '../flash/armada-image.js';
import { checkBlockTarget, type BlockTargetRules } from '../flash/block-target.js';
import { numberFleet, type Numbering } from '../flash/fleet-counter.js';
import { prepareSeeds, writeSeed } from '../seed/apply.js';
import { assertWritable, seedVolume } from '../seed/write.js';
import { readCardImport, removeCardFiles } from '../seed/card-files.js';
import type { SeedFlags } from '../seed/types.js';
import { seedReport, type SeedReport } from '../seed/report.js';

export interface ConfigureOptions {
  target: string;
  seed: SeedFlags;
  /** On a block device: flash's target rules, and an armada image unless allowed otherwise. */
  rules?: BlockTargetRules;
}

export interface ConfigureResult extends SeedReport {
  target: string;
  /** False when the target's root file system has no armada first-boot unit. */
  armadaImage: boolean;
  /** Raspberry Pi Imager's files the seed was made from, and those removed from the card. */
  imported?: { from: string[]; removed: string[] };
  /** How a `{n}` host name was numbered (from --start, or where the last flash/configure stopped). */
  numbering?: Numbering;
}

export { firstBootUnitPaths, hasFirstBootUnit } from '../flash/armada-image.js';

/** Pure: mount points of the device or any of its partitions, from /proc/mounts. */
export function mountsOf(device: string, procMounts: string): string[] {
  const base = device.replace(/\/+$/, '');
  const partition = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(p?\\d+)?$`);
  return procMounts
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f.length >= 2 && partition.test(f[0]))
    .map((f) => f[1].replace(/\\040/g, ' '));
}

/**
 * The mount table, or undefined (with a warning) where the platform has none. On Linux an
 * unreadable /proc/mounts is an error: "not mounted" would be a guess, and we are about to write.
 */
async function readMountTable(target: string, table: string): Promise<string | undefined> {
  try {
    return await readFile(table, 'utf8');
  } catch (error) {
    if (process.platform === 'linux' || (error as { code?: string }).code !== 'ENOENT')
      throw new UserError(
        `cannot read ${table} to check that ${target} is not mounted (${(error as { code?: string }).code ?? String(error)}); unmount it and check /proc is mounted, then run configure again`,
      );
    log.warn(
      `cannot check whether ${target} is mounted on this system (no ${table}); make sure it is unmounted`,
    );
    return undefined;
  }
}

export async function refuseMounted(target: string, table = '/proc/mounts'): Promise<void> {
  const s = await stat(target);
  if (!s.isBlockDevice()) return;
  const device = await realpath(target);
  const text = await readMountTable(target, table);
  if (text === undefined) return;
  const mounts = mountsOf(device, text);
  if (mounts.length)
    throw new UserError(
      `${target} is mounted at ${mounts.join(', ')}; unmount it first (e.g. 'sudo umount ${mounts[0]}'), then run configure again`,
    );
}

export async function configureTarget(opts: ConfigureOptions): Promise<ConfigureResult> {
  const exists = await stat(opts.target).catch(() => undefined);
  if (!exists)
    throw new UserError(
      `${opts.target} does not exist; give an image file or a card's device (see 'lsblk')`,
    );
  await refuseMounted(opts.target);
  await checkBlockTarget(opts.target, opts.rules ?? {});
  // Readable, partitioned, FAT partition 1, writable: all before a CA or a temp file is made.
  const volume = await seedVolume(opts.target);
  await assertWritable(opts.target);
  // Files Raspberry Pi Imager left on the card stand in for --user-data (docs/seed.md).
  const card = await readCardImport(volume, opts.target, opts.seed.userData !== undefined);
  const fleet = await numberFleet(opts.seed);
  const [seed] = await prepareSeeds(fleet?.flags ?? opts.seed, 1, card.files);
  if (!seed) throw new UserError('nothing to configure');
  const armadaImage = await hasFirstBootUnit(opts.target);
  await writeSeed(opts.target, seed);
  // Written and read back: only now does this number count as used.
  await fleet?.seeded(seed.index, seed.hostname ?? opts.target);
  // Only once the new seed is written and read back: a failed write leaves the card as it was.
  await removeCardFiles(volume, card.plan);
  if (card.plan.info) log.info(card.plan.info);
  if (card.plan.warn) log.warn(card.plan.warn);
  if (!armadaImage)
    log.warn(
      `${opts.target} does not look like an armada image (no armada-firstboot.service on its root partition); the seed is written, but only armada's first boot reads it`,
    );

  const from = [card.plan.userData, card.plan.networkConfig].filter((n) => n !== undefined);
  return {
    target: opts.target,
    ...seedReport(seed),
    armadaImage,
    ...(from.length ? { imported: { from, removed: card.plan.remove } } : {}),
    ...(fleet ? { numbering: fleet.numbering } : {}),
  };
}
