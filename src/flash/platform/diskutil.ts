/**
 * macOS disks from `diskutil list -plist` and `diskutil info -plist diskN`. Pure parsers, tested on
 * recorded output in test/fixtures/flash/. armada writes /dev/rdiskN, the raw (unbuffered) node,
 * which is several times faster than /dev/diskN and reads back without a page cache.
 */
import type { Command } from '../../exec.js';
import type { Drive, DriveKind } from '../drive.js';
import { bool, isDict, list, num, parsePlist, str, type PlistValue } from './plist.js';

export const diskutilListCommand: Command = ['diskutil', ['list', '-plist']];
export const diskutilInfoCommand = (disk: string): Command => [
  'diskutil',
  ['info', '-plist', disk],
];
export const diskutilUnmountDiskCommand = (device: string): Command => [
  'diskutil',
  ['unmountDisk', device],
];
export const diskutilEjectCommand = (device: string): Command => ['diskutil', ['eject', device]];

export interface DiskutilVolume {
  id: string;
  /** Its MountPoint and, since macOS 11, the mount points of its sealed system snapshots (/). */
  mountPoints: string[];
  content?: string;
  volumeName?: string;
}

export interface DiskutilWholeDisk {
  id: string;
  sizeBytes: number;
  content?: string;
  partitions: DiskutilVolume[];
  /** For a synthesized APFS container: the partitions (on physical disks) it lives on. */
  apfsPhysicalStores: string[];
  apfsVolumes: DiskutilVolume[];
}

function volume(v: PlistValue): DiskutilVolume | undefined {
  const id = str(v, 'DeviceIdentifier');
  if (!id) return undefined;
  const mountPoints = [
    str(v, 'MountPoint'),
    ...list(v, 'MountedSnapshots').map((s) => str(s, 'SnapshotMountPoint')),
  ].filter((m): m is string => Boolean(m));
  const content = str(v, 'Content');
  const volumeName = str(v, 'VolumeName');
  return {
    id,
    mountPoints,
    ...(content ? { content } : {}),
    ...(volumeName ? { volumeName } : {}),
  };
}

export function parseDiskutilList(xml: string): DiskutilWholeDisk[] {
  const root = parsePlist(xml);
  return list(root, 'AllDisksAndPartitions')
    .filter(isDict)
    .map((d) => {
      const content = str(d, 'Content');
      return {
        id: str(d, 'DeviceIdentifier') ?? '',
        sizeBytes: num(d, 'Size') ?? 0,
        ...(content ? { content } : {}),
        partitions: list(d, 'Partitions')
          .map(volume)
          .filter((v): v is DiskutilVolume => v !== undefined),
        apfsPhysicalStores: list(d, 'APFSPhysicalStores')
          .map((s) => str(s, 'DeviceIdentifier') ?? '')
          .filter(Boolean),
        apfsVolumes: list(d, 'APFSVolumes')
          .map(volume)
          .filter((v): v is DiskutilVolume => v !== undefined),
      };
    })
    .filter((d) => d.id);
}

/** 'disk4s2' → 'disk4'. */
export function wholeDiskOf(id: string): string {
  return id.replace(/^(disk\d+)s\d+$/, '$1');
}

/**
 * Mount points and volume identifiers per physical whole disk, counting APFS volumes on the disk
 * that holds their container's physical store (the Mac's own / lives in disk3 on disk0s2).
 */
export function volumesByDisk(
  disks: DiskutilWholeDisk[],
): Map<string, { mountpoints: string[]; partitions: string[] }> {
  const out = new Map<string, { mountpoints: string[]; partitions: string[] }>();
  const entry = (id: string) => {
    let e = out.get(id);
    if (!e) out.set(id, (e = { mountpoints: [], partitions: [] }));
    return e;
  };
  for (const d of disks) {
    const own = entry(d.id);
    for (const p of [...d.partitions, ...d.apfsVolumes]) {
      own.partitions.push(`/dev/${p.id}`);
      own.mountpoints.push(...p.mountPoints);
    }
    for (const store of d.apfsPhysicalStores) {
      const physical = entry(wholeDiskOf(store));
      physical.partitions.push(...own.partitions);
      physical.mountpoints.push(...d.apfsVolumes.flatMap((v) => v.mountPoints));
    }
  }
  return out;
}

export interface DiskutilInfo {
  id: string;
  node: string;
  sizeBytes: number;
  internal: boolean;
  removable: boolean;
  writable: boolean;
  virtual: boolean;
  bus?: string;
  mediaName: string;
  osInternal: boolean;
  wholeDisk: boolean;
  parentWholeDisk?: string;
  mountPoint?: string;
}

export function parseDiskutilInfo(xml: string): DiskutilInfo {
  const d = parsePlist(xml);
  const id = str(d, 'DeviceIdentifier') ?? '';
  const bus = str(d, 'BusProtocol');
  const parentWholeDisk = str(d, 'ParentWholeDisk');
  const mountPoint = str(d, 'MountPoint');
  return {
    id,
    node: str(d, 'DeviceNode') ?? `/dev/${id}`,
    sizeBytes: num(d, 'TotalSize') ?? num(d, 'Size') ?? num(d, 'IOKitSize') ?? 0,
    internal: bool(d, 'Internal') ?? false,
    removable:
      bool(d, 'RemovableMediaOrExternalDevice') ??
      bool(d, 'RemovableMedia') ??
      bool(d, 'Removable') ??
      false,
    writable: bool(d, 'WritableMedia') ?? bool(d, 'Writable') ?? true,
    virtual: str(d, 'VirtualOrPhysical') === 'Virtual',
    ...(bus ? { bus } : {}),
    mediaName: str(d, 'MediaName') ?? str(d, 'IORegistryEntryName') ?? '',
    osInternal: bool(d, 'OSInternalMedia') ?? false,
    wholeDisk: bool(d, 'WholeDisk') ?? true,
    ...(parentWholeDisk ? { parentWholeDisk } : {}),
    ...(mountPoint ? { mountPoint } : {}),
  };
}

const busNames: Record<string, string> = {
  'secure digital': 'sd',
  usb: 'usb',
  'disk image': 'virtual',
  'pci-express': 'pcie',
  'apple fabric': 'internal',
};

export function driveFromDiskutil(
  info: DiskutilInfo,
  volumes: { mountpoints: string[]; partitions: string[] } | undefined,
): Drive {
  const busKey = info.bus?.toLowerCase();
  const bus = busKey ? (busNames[busKey] ?? busKey) : undefined;
  // Disk images (hdiutil attach) are virtual media like loop devices; other virtual disks are
  // APFS/CoreStorage containers synthesized over a physical one: never a flash target.
  const kind: DriveKind = info.virtual
    ? busKey === 'disk image'
      ? 'disk-image'
      : 'device-mapper'
    : 'disk';
  const sd = busKey === 'secure digital';
  return {
    device: `/dev/${info.id}`,
    rawDevice: `/dev/r${info.id}`,
    sizeBytes: info.sizeBytes,
    description: info.mediaName.trim(),
    ...(bus ? { bus } : {}),
    kind,
    removable: info.removable || sd,
    readOnly: !info.writable,
    // A MacBook's built-in SD slot is internal too, but its media is removable.
    system: kind === 'disk' && (info.osInternal || (info.internal && !info.removable && !sd)),
    mountpoints: [...new Set(volumes?.mountpoints ?? (info.mountPoint ? [info.mountPoint] : []))],
    partitions: volumes?.partitions ?? [],
    members: [],
  };
}
