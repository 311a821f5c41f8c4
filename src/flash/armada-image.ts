/**
 * Is this an armada image, i.e. will anything read the seed? Its root partition carries armada's
 * first-boot unit. Flash warns when it seeds something else; configure, on a block device,
 * refuses it unless told otherwise.
 */
import { statExt4 } from '../image/ext4.js';
import { findRootPartition } from '../image/partition-table.js';
import { readPartitionTable } from '../image/read-partition-table.js';

/** Where an armada image keeps its first-boot unit (the marker that the seed will be read). */
export const firstBootUnitPaths = [
  '/etc/systemd/system/armada-firstboot.service',
  '/usr/lib/systemd/system/armada-firstboot.service',
  '/lib/systemd/system/armada-firstboot.service',
];

/** Does the target's root partition carry armada's first-boot unit? */
export async function hasFirstBootUnit(target: string): Promise<boolean> {
  try {
    const root = findRootPartition(await readPartitionTable(target));
    for (const path of firstBootUnitPaths) {
      if (await statExt4({ path: target, offsetBytes: root.offsetBytes }, path)) return true;
    }
  } catch {
    return false;
  }
  return false;
}

export function notArmadaWarning(target: string): string {
  return `${target} does not look like an armada image (no armada-firstboot.service on its root partition); the seed is written, but only armada's first boot reads it`;
}
