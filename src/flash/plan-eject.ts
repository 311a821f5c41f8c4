/**
 * Pure: how a written card leaves this machine (Linux). A card in a USB reader is powered off,
 * as Etcher and Raspberry Pi Imager do, so nothing can write to it after armada said it is done:
 * `udisksctl power-off` where udisks runs, else the kernel is told to let go of the SCSI device
 * (`/sys/block/<dev>/device/delete`). A built-in SD slot (mmc) has nothing to power off; a loop
 * device is not a card. Either way the caches were flushed first, so it is safe to remove.
 */
import { basename } from 'node:path';
import type { Command } from '../exec.js';
import type { Drive } from './drive.js';

export type EjectMethod = 'udisksctl' | 'sysfs-delete' | 'none';

export interface EjectTools {
  udisksctl: boolean;
  /** `/sys/block/<dev>/device/delete` exists (a SCSI disk, as USB readers present cards). */
  sysfsDelete: boolean;
}

/** The ways to try, in order; [] when the drive is left attached (flushed, safe to remove). */
export function ejectMethods(drive: Drive, tools: EjectTools): EjectMethod[] {
  if (drive.kind !== 'disk' || drive.system || drive.bus !== 'usb') return [];
  return [
    ...(tools.udisksctl ? (['udisksctl'] as const) : []),
    ...(tools.sysfsDelete ? (['sysfs-delete'] as const) : []),
  ];
}

export function powerOffCommand(device: string): Command {
  return ['udisksctl', ['power-off', '--block-device', device, '--no-user-interaction']];
}

/** Pure: the sysfs file that detaches a SCSI disk (`/dev/sdb` → `/sys/block/sdb/device/delete`). */
export function sysfsDeletePath(device: string): string {
  return `/sys/block/${basename(device)}/device/delete`;
}
