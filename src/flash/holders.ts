/**
 * Which drives hold given files (the image, armada itself): those must never be written.
 * Pure: the file's real path against the drives' mount points, longest mount point wins.
 * Linux adds the kernel's answer from sysfs (platform/linux.ts) for bind mounts and the like.
 */
import type { Drive } from './drive.js';

export function drivesHoldingPaths(
  realPaths: readonly string[],
  drives: readonly Drive[],
): string[] {
  const mounts = drives.flatMap((d) =>
    d.mountpoints.filter((m) => m.startsWith('/')).map((m) => ({ m, device: d.device })),
  );
  const out = new Set<string>();
  for (const path of realPaths) {
    let best: { m: string; device: string } | undefined;
    for (const mount of mounts) {
      const inside = mount.m === '/' || path === mount.m || path.startsWith(`${mount.m}/`);
      if (inside && (!best || mount.m.length > best.m.length)) best = mount;
    }
    if (best) out.add(best.device);
  }
  return [...out];
}

/**
 * The whole disk behind a sysfs block device link target such as
 * '../../devices/pci0000:00/0000:00:14.0/usb2/2-1/…/block/sdb/sdb1' (→ 'sdb') or
 * '../../devices/virtual/block/dm-0' (→ 'dm-0').
 */
export function diskFromSysfsLink(target: string): string | undefined {
  const parts = target.split('/');
  const i = parts.lastIndexOf('block');
  return i >= 0 ? parts[i + 1] : undefined;
}

/** Linux dev_t (glibc's encoding) → 'major:minor', as /sys/dev/block names it. */
export function devNumber(dev: bigint): string {
  const major = ((dev >> 32n) & 0xfffff000n) | ((dev >> 8n) & 0xfffn);
  const minor = ((dev >> 12n) & 0xffffff00n) | (dev & 0xffn);
  return `${major}:${minor}`;
}

/**
 * Add to each drive the loop devices stacked on it (backing file = the drive or one of its
 * partitions), transitively, with their mount points: a filesystem mounted through such a loop
 * device uses the card although the card's own tree shows no mount.
 */
export function withStackedHolders(
  drives: readonly Drive[],
  loopBackings: ReadonlyMap<string, string>,
): Drive[] {
  const byDevice = new Map(drives.map((d) => [d.device, d]));
  const owner = (node: string) =>
    drives.find((d) => d.device === node || d.partitions.includes(node));
  const stackedOn = (
    drive: Drive,
    seen: Set<string>,
  ): { device: string; mountpoints: string[] }[] => {
    const out: { device: string; mountpoints: string[] }[] = [];
    for (const [loop, backing] of loopBackings) {
      if (seen.has(loop) || owner(backing)?.device !== drive.device) continue;
      const holder = byDevice.get(loop);
      if (!holder) continue;
      seen.add(loop);
      const nested = stackedOn(holder, seen);
      out.push({
        device: loop,
        mountpoints: [...holder.mountpoints, ...nested.flatMap((n) => n.mountpoints)],
      });
    }
    return out;
  };
  return drives.map((d) => {
    const holders = stackedOn(d, new Set([d.device]));
    return holders.length ? { ...d, holders } : d;
  });
}
