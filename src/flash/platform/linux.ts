/**
 * Linux: drives from lsblk and sysfs (never drivelist: a prebuilt native add-on has no place in a
 * root process for a description string), unmount with umount, drop the page cache with
 * BLKFLSBUF (`blockdev --flushbufs`) before reading back.
 */
import { readFile, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { run, type Command } from '../../exec.js';
import { UserError } from '../../errors.js';
import { log } from '../../log.js';
import type { Drive } from '../drive.js';
import type { OpenedIdentity } from '../identity.js';
import { devNumber, diskFromSysfsLink, withStackedHolders } from '../holders.js';
import { lsblkCommand, parseLsblk } from './lsblk.js';
import type { Platform } from './platform.js';
import { unlessMissing } from '../../fs-errors.js';

const umountCommand = (mountpoint: string): Command => ['umount', [mountpoint]];
export const flushBuffersCommand = (device: string): Command => [
  'blockdev',
  ['--flushbufs', device],
];
const rereadPartitionsCommand = (device: string): Command => ['blockdev', ['--rereadpt', device]];

/** What each attached loop device reads from (its backing file: often a card or a partition). */
async function loopBackings(drives: readonly Drive[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const d of drives.filter((x) => x.kind === 'loop')) {
    const name = d.device.replace(/^\/dev\//, '');
    // Missing: detached between lsblk and now, or not a loop device after all.
    const file = await unlessMissing(readFile(`/sys/block/${name}/loop/backing_file`, 'utf8'), '');
    const path = file.trim();
    if (path) out.set(d.device, await realpath(path).catch(() => path));
  }
  return out;
}

/** The kernel's card type of each mmcblk disk: 'SD' (a card in a slot) or 'MMC' (soldered eMMC). */
async function mmcTypes(drives: readonly Drive[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const d of drives) {
    const name = d.device.replace(/^\/dev\//, '');
    if (!name.startsWith('mmcblk')) continue;
    // mmcblk0boot0 has a device link too (the eMMC it is a part of).
    const type = await readFile(`/sys/block/${name}/device/type`, 'utf8').catch(() => undefined);
    if (type !== undefined) out.set(name, type.trim());
  }
  return out;
}

async function listDrives(): Promise<Drive[]> {
  const json = (await run(lsblkCommand())).stdout;
  const drives = parseLsblk(json, await mmcTypes(parseLsblk(json)));
  return withStackedHolders(drives, await loopBackings(drives));
}

/** Whole disks behind a sysfs block device name, following device-mapper/RAID slaves down. */
async function disksBehind(name: string, depth = 0): Promise<string[]> {
  const slaves = await readdir(`/sys/class/block/${name}/slaves`).catch(() => [] as string[]);
  if (!slaves.length || depth > 8) {
    const target = await readlink(`/sys/class/block/${name}`).catch(() => '');
    return [diskFromSysfsLink(target) ?? name];
  }
  const nested = await Promise.all(slaves.map((s) => disksBehind(s, depth + 1)));
  return nested.flat();
}

async function holdersOf(paths: readonly string[], _drives: readonly Drive[]): Promise<string[]> {
  const out = new Set<string>();
  for (const path of paths) {
    const info = await stat(path, { bigint: true }).catch(() => undefined);
    if (!info) continue;
    const target = await readlink(`/sys/dev/block/${devNumber(info.dev)}`).catch(() => undefined);
    const name = target ? diskFromSysfsLink(target) : undefined;
    if (!name) continue;
    for (const disk of await disksBehind(name)) out.add(`/dev/${disk}`);
  }
  return [...out];
}

async function unmount(drive: Drive): Promise<void> {
  // Deepest first: /media/x/boot before /media/x.
  const mounts = drive.mountpoints
    .filter((m) => m.startsWith('/'))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) {
    const r = await run(umountCommand(m), { allowFailure: true });
    if (r.exitCode !== 0) {
      throw new UserError(
        `cannot unmount ${m} (on ${drive.device}): ${r.stderr.trim() || `exit ${r.exitCode}`}; close programs using it and try again`,
      );
    }
    log.info(`unmounted ${m} (on ${drive.device})`);
  }
}

async function identify(drive: Drive, rdev: bigint): Promise<OpenedIdentity> {
  const number = devNumber(rdev);
  // The descriptor's device by number: sysfs knows its size even when the path now names another.
  const sectors = await readFile(`/sys/dev/block/${number}/size`, 'utf8').catch(() => undefined);
  const now = parseLsblk(
    (await run(lsblkCommand(drive.device), { allowFailure: true })).stdout || '{}',
  )[0];
  return {
    devNumber: number,
    ...(sectors && /^\d+$/.test(sectors.trim()) ? { sizeBytes: Number(sectors.trim()) * 512 } : {}),
    ...(now && now.devNumber === number ? { serial: now.serial ?? '' } : {}),
  };
}

async function dropCache(drive: Drive): Promise<void> {
  const r = await run(flushBuffersCommand(drive.rawDevice), { allowFailure: true });
  if (r.exitCode !== 0) {
    log.warn(
      `could not drop the page cache of ${drive.device} (${r.stderr.trim()}); verification may read cached data`,
    );
  }
}

async function afterWrite(drive: Drive): Promise<void> {
  // Let the kernel see the new partitions; harmless when it cannot (busy, loop without partscan).
  await run(rereadPartitionsCommand(drive.rawDevice), { allowFailure: true });
}

export const linux: Platform = {
  name: 'linux',
  exclusiveOpen: true,
  listDrives,
  holdersOf,
  unmount,
  identify,
  dropCache,
  afterWrite,
};
