/**
 * Linux block devices from `lsblk --json`. lsblk alone, not drivelist: drivelist hides loop
 * devices (our test cards), looks one level deep for mount points (missing LVM-on-LUKS roots),
 * calls zram removable, and is a native add-on we would load into a root process.
 */
import type { Command } from '../../exec.js';
import { UserError } from '../../errors.js';
import type { Drive, DriveKind } from '../drive.js';

const lsblkColumns = [
  'NAME',
  'PATH',
  'SIZE',
  'TYPE',
  'RO',
  'RM',
  'HOTPLUG',
  'TRAN',
  'MOUNTPOINTS',
  'FSTYPE',
  'LABEL',
  'MODEL',
  'VENDOR',
  'PKNAME',
  'SERIAL',
  'MAJ:MIN',
];

export function lsblkCommand(device?: string): Command {
  return [
    'lsblk',
    ['--json', '--bytes', '--output', lsblkColumns.join(','), ...(device ? [device] : [])],
  ];
}

interface LsblkNode {
  name: string;
  path?: string;
  size?: number | string | null;
  type?: string;
  ro?: boolean | string | number | null;
  rm?: boolean | string | number | null;
  hotplug?: boolean | string | number | null;
  tran?: string | null;
  /** util-linux ≥ 2.37 prints mountpoints (array); older ones mountpoint (string). */
  mountpoints?: (string | null)[];
  mountpoint?: string | null;
  fstype?: string | null;
  label?: string | null;
  model?: string | null;
  vendor?: string | null;
  serial?: string | null;
  'maj:min'?: string | null;
  children?: LsblkNode[];
}

/** lsblk prints booleans as true/false, 0/1 or "0"/"1" depending on its version. */
function flag(value: LsblkNode['ro']): boolean {
  return value === true || value === 1 || value === '1' || value === 'true';
}

function descendants(node: LsblkNode): LsblkNode[] {
  return (node.children ?? []).flatMap((c) => [c, ...descendants(c)]);
}

function mountpointsOf(node: LsblkNode): string[] {
  const list = node.mountpoints ?? (node.mountpoint === undefined ? [] : [node.mountpoint]);
  return list.filter((m): m is string => typeof m === 'string' && m.length > 0);
}

function kindOf(node: LsblkNode): DriveKind {
  const type = node.type ?? '';
  if (type === 'loop') return 'loop';
  if (type === 'rom') return 'rom';
  if (type.startsWith('raid') || type === 'md') return 'raid';
  if (type === 'dm' || type === 'lvm' || type === 'crypt' || type === 'mpath')
    return 'device-mapper';
  if (node.name.startsWith('zram')) return 'zram';
  if (node.name.startsWith('nbd')) return 'nbd';
  return 'disk';
}

// Active swap shows as the mount point [SWAP]; a swap signature alone (an old card) is harmless.
const memberTypes = new Set([
  'LVM2_member',
  'linux_raid_member',
  'crypto_LUKS',
  'zfs_member',
  'bcache',
]);

/**
 * What the kernel says an mmcblk device is (`/sys/block/<name>/device/type`): 'SD' for a card in
 * a slot, 'MMC' for soldered eMMC (internal storage, often the system's own), by device name.
 * The scanner reads sysfs; this module only interprets it.
 */
export type MmcTypes = ReadonlyMap<string, string>;

function toDrive(node: LsblkNode, mmcTypes: MmcTypes): Drive {
  const all = [node, ...descendants(node)];
  const kind = kindOf(node);
  const tran = node.tran?.trim() || undefined;
  const mmc = node.name.startsWith('mmcblk');
  // lsblk shows eMMC and an SD card alike (mmcblkN, no transport, not removable): only the
  // kernel's card type tells them apart. Unknown (sysfs unreadable) stays a card, as before.
  const emmc = mmc && mmcTypes.get(node.name)?.trim() === 'MMC';
  const removable = flag(node.rm) || flag(node.hotplug);
  const bus = tran ?? (mmc ? 'mmc' : kind === 'loop' || kind === 'nbd' ? 'virtual' : undefined);
  const path = node.path ?? `/dev/${node.name}`;
  const nested = descendants(node);
  // Layered devices (RAID over partitions, LVM on LUKS) hang below the disk; any of them counts.
  const members = [...new Set(all.map((n) => n.fstype ?? '').filter((t) => memberTypes.has(t)))];
  for (const n of nested) {
    const k = kindOf(n);
    if (k === 'raid' && !members.includes('linux_raid_member')) members.push('linux_raid_member');
  }
  return {
    device: path,
    rawDevice: path,
    sizeBytes: Number(node.size ?? 0) || 0,
    description:
      [node.vendor, node.model]
        .map((s) => s?.trim())
        .filter(Boolean)
        .join(' ') || (emmc ? 'internal eMMC' : mmc ? 'SD card' : ''),
    ...(bus ? { bus } : {}),
    kind,
    removable,
    readOnly: flag(node.ro),
    // An internal fixed disk; SD slots (mmc) and USB readers are where cards live. eMMC is
    // soldered in, whatever the bus.
    system: emmc || (kind === 'disk' && !removable && !mmc && tran !== 'usb' && tran !== 'mmc'),
    mountpoints: [...new Set(all.flatMap(mountpointsOf))],
    partitions: nested.map((n) => n.path ?? `/dev/${n.name}`),
    members,
    ...(node['maj:min']?.trim() ? { devNumber: node['maj:min'].trim() } : {}),
    ...(node.serial?.trim() ? { serial: node.serial.trim() } : {}),
  };
}

export function parseLsblk(json: string, mmcTypes: MmcTypes = new Map()): Drive[] {
  let parsed: { blockdevices?: LsblkNode[] };
  try {
    parsed = JSON.parse(json) as typeof parsed;
  } catch {
    throw new UserError(
      'lsblk printed something that is not JSON; is util-linux too old (armada needs lsblk --json)?',
    );
  }
  return (parsed.blockdevices ?? [])
    .filter((n) => n.type !== 'part')
    .map((n) => toDrive(n, mmcTypes));
}
