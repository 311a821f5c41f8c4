/**
 * Linux: drives from lsblk (plus drivelist's descriptions), unmount with umount, drop the page
 * cache with BLKFLSBUF (`blockdev --flushbufs`) before reading back.
 */
import { readdir, readlink, stat } from 'node:fs/promises';
import { run, type Command } from '../../exec.js';
import { UserError } from '../../errors.js';
import { log } from '../../log.js';
import type { Drive } from '../drive.js';
import { devNumber, diskFromSysfsLink } from '../holders.js';
import { lsblkCommand, parseLsblk } from './lsblk.js';
import type { Platform } from './platform.js';
import { drivelistDrives } from './drivelist.js';

export const umountCommand = (mountpoint: string): Command => ['umount', [mountpoint]];
export const flushBuffersCommand = (device: string): Command => [
  'blockdev',
  ['--flushbufs', device],
];
export const rereadPartitionsCommand = (device: string): Command => [
  'blockdev',
  ['--rereadpt', device],
];

async function listDrives(): Promise<Drive[]> {
  const [lsblk, dl] = await Promise.all([run(lsblkCommand()), drivelistDrives()]);
  return parseLsblk(lsblk.stdout).map((drive) => {
    const known = dl.find((d) => d.device === drive.device);
    // drivelist's description adds partition labels ("Generic STORAGE DEVICE (bootfs, rootfs)").
    return known?.description ? { ...drive, description: known.description } : drive;
  });
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
    log.debug(`unmounted ${m}`);
  }
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
  dropCache,
  afterWrite,
};
