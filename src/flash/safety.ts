/**
 * Which drives may be flashed. Pure and exhaustively tested: every reason a drive is refused is
 * collected, so `armada drives --all` can say all of them at once.
 */
import { virtualKinds, type Drive } from './drive.js';
import { formatBytes } from '../format-bytes.js';
import { option } from '../option-names.js';

export interface SafetyPolicy {
  /** Uncompressed image size, when known before writing. */
  imageSizeBytes?: number;
  /** Whole-disk device nodes holding the image file or armada itself. */
  sourceDevices: readonly string[];
  /** --allow-virtual: loop, nbd and disk images may be written (tests use loop devices as cards). */
  allowVirtual: boolean;
  /**
   * --dangerously-allow-any-bus: a disk on a bus where SD cards do not live (SATA, NVMe, SCSI…)
   * may be written. Hot-plug flags cannot tell an internal disk from a card; the bus can.
   */
  allowAnyBus?: boolean;
  /** --allow-large: drives above the large-drive threshold need no further confirmation. */
  allowLarge: boolean;
  /** Default 128 GiB: no SD card marketed as 128 GB is larger, an external SSD usually is. */
  largeBytes?: number;
}

export type SafetyVerdict =
  { ok: true; needsConfirmation?: string } | { ok: false; reasons: string[] };

export const defaultLargeBytes = 128 * 1024 ** 3;

/** Buses SD cards are read on: USB readers, SD/MMC slots (Linux mmc, macOS Secure Digital). */
export const cardBuses: ReadonlySet<string> = new Set(['usb', 'mmc', 'sd']);

/** Where an operating system lives: never unmount and overwrite these. */
const systemMountRoots = [
  '/boot',
  '/usr',
  '/var',
  '/home',
  '/etc',
  '/opt',
  '/srv',
  '/root',
  '/nix',
  '/snap',
  '/System',
  '/private',
  '/Library',
  '/Applications',
  '/Users',
];

export function isSystemMountpoint(mountpoint: string): boolean {
  if (mountpoint === '/' || mountpoint === '[SWAP]') return true;
  return systemMountRoots.some((root) => mountpoint === root || mountpoint.startsWith(`${root}/`));
}

const memberReasons: Record<string, string> = {
  LVM2_member: 'it holds an LVM physical volume',
  linux_raid_member: 'it is part of a RAID array',
  crypto_LUKS: 'it holds an encrypted (LUKS) volume',
  zfs_member: 'it is part of a ZFS pool',
  bcache: 'it is a bcache device',
};

const kindReasons: Partial<Record<Drive['kind'], string>> = {
  zram: 'it is a zram device (compressed RAM, usually swap)',
  raid: 'it is a RAID array',
  'device-mapper':
    'it is a device-mapper or synthesized volume (LVM, LUKS, APFS container), not a card',
  rom: 'it is an optical drive',
};

export function isSafeTarget(drive: Drive, policy: SafetyPolicy): SafetyVerdict {
  const reasons: string[] = [];
  const kindReason = kindReasons[drive.kind];
  if (kindReason) reasons.push(kindReason);
  if (virtualKinds.has(drive.kind) && !policy.allowVirtual) {
    reasons.push(
      `it is a virtual device (${drive.kind}); pass ${option('allowVirtual')} to write it anyway`,
    );
  }
  if (drive.system)
    reasons.push(
      drive.bus === 'mmc'
        ? 'it is a system drive (internal eMMC storage, not an SD card)'
        : 'it is a system drive (internal and not removable)',
    );
  else if (drive.kind === 'disk' && !cardBuses.has(drive.bus ?? '') && !policy.allowAnyBus) {
    reasons.push(
      `it is on the ${drive.bus ?? 'unknown'} bus, not on usb, mmc or sd where SD cards are read; if it really is the card, pass ${option('allowAnyBus')}`,
    );
  }
  if (policy.sourceDevices.includes(drive.device))
    reasons.push('it holds the image file or armada itself');
  const systemMounts = drive.mountpoints.filter(isSystemMountpoint);
  if (systemMounts.length)
    reasons.push(`it is in use by the running system (mounted at ${systemMounts.join(', ')})`);
  for (const holder of drive.holders ?? []) {
    for (const m of holder.mountpoints)
      reasons.push(
        `it is in use: ${holder.device} (stacked on it) is mounted at ${m}; unmount it and detach ${holder.device} first`,
      );
  }
  for (const member of drive.members) {
    const reason = memberReasons[member];
    if (reason) reasons.push(reason);
  }
  if (drive.readOnly) reasons.push('it is read-only (check the card’s lock switch)');
  if (drive.sizeBytes <= 0) reasons.push('it has no medium (size 0); insert a card');
  else if (policy.imageSizeBytes !== undefined && drive.sizeBytes < policy.imageSizeBytes) {
    reasons.push(
      `it is smaller than the image (${formatBytes(drive.sizeBytes)} < ${formatBytes(policy.imageSizeBytes)}); use a bigger card`,
    );
  }
  if (reasons.length) return { ok: false, reasons };

  const large = policy.largeBytes ?? defaultLargeBytes;
  if (drive.sizeBytes > large && !policy.allowLarge) {
    return {
      ok: true,
      needsConfirmation: `${drive.device} is ${formatBytes(drive.sizeBytes)}, larger than any usual SD card; is it really the card? (pass ${option('allowLarge')} to skip this question)`,
    };
  }
  return { ok: true };
}
