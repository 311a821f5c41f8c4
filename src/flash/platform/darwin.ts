/**
 * macOS: drives from diskutil (plus drivelist), `diskutil unmountDisk` before writing, writes and
 * read-back through the raw /dev/rdiskN node (no buffer cache), `diskutil eject` at the end.
 */
import { run, type Command } from '../../exec.js';
import { UserError } from '../../errors.js';
import { log } from '../../log.js';
import type { Drive } from '../drive.js';
import type { OpenedIdentity } from '../identity.js';
import {
  diskutilEjectCommand,
  diskutilInfoCommand,
  diskutilListCommand,
  diskutilUnmountDiskCommand,
  driveFromDiskutil,
  parseDiskutilInfo,
  parseDiskutilList,
  volumesByDisk,
} from './diskutil.js';
import { drivelistDrives } from './drivelist.js';
import type { Platform } from './platform.js';

const dfCommand = (path: string): Command => ['df', ['-P', path]];

/** The device column of `df -P` output's data line. */
export function parseDfDevice(output: string): string | undefined {
  const line = output.trim().split('\n')[1];
  const device = line?.split(/\s+/)[0];
  return device?.startsWith('/dev/') ? device : undefined;
}

async function listDrives(): Promise<Drive[]> {
  const [list, dl] = await Promise.all([run(diskutilListCommand), drivelistDrives()]);
  const disks = parseDiskutilList(list.stdout);
  const volumes = volumesByDisk(disks);
  const drives: Drive[] = [];
  for (const disk of disks) {
    const info = parseDiskutilInfo((await run(diskutilInfoCommand(disk.id))).stdout);
    const drive = driveFromDiskutil(info, volumes.get(disk.id));
    const known = dl.find((d) => d.device === drive.device);
    drives.push(
      known
        ? {
            ...drive,
            system: drive.system || known.isSystem,
            description: drive.description || known.description,
          }
        : drive,
    );
  }
  return drives;
}

async function holdersOf(paths: readonly string[], drives: readonly Drive[]): Promise<string[]> {
  const out = new Set<string>();
  for (const path of paths) {
    const device = parseDfDevice((await run(dfCommand(path), { allowFailure: true })).stdout);
    if (!device) continue;
    // APFS volumes are charged to the physical disk that holds their container.
    const holder = drives.find((d) => d.device === device || d.partitions.includes(device));
    if (holder) out.add(holder.device);
  }
  return [...out];
}

async function unmount(drive: Drive): Promise<void> {
  if (!drive.mountpoints.length) return;
  const r = await run(diskutilUnmountDiskCommand(drive.device), { allowFailure: true });
  if (r.exitCode !== 0) {
    throw new UserError(
      `cannot unmount ${drive.device}: ${r.stderr.trim() || r.stdout.trim()}; close programs using it and try again`,
    );
  }
}

async function identify(drive: Drive): Promise<OpenedIdentity> {
  const r = await run(diskutilInfoCommand(drive.device), { allowFailure: true });
  if (r.exitCode !== 0) return {};
  return { sizeBytes: parseDiskutilInfo(r.stdout).sizeBytes };
}

async function afterWrite(drive: Drive): Promise<void> {
  const r = await run(diskutilEjectCommand(drive.device), { allowFailure: true });
  if (r.exitCode !== 0)
    log.warn(
      `could not eject ${drive.device}: ${r.stderr.trim()}; eject it before removing the card`,
    );
}

export const darwin: Platform = {
  name: 'darwin',
  exclusiveOpen: false,
  listDrives,
  holdersOf,
  unmount,
  identify,
  // Read-back goes through the raw node, which has no buffer cache.
  dropCache: () => Promise.resolve(),
  afterWrite,
};
