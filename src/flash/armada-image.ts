/**
 * Is this an armada image, i.e. will anything read the seed? Its root partition carries armada's
 * first-boot unit. Flash warns when it seeds something else; configure, on a block device,
 * refuses it unless told otherwise.
 */
import { statExt4 } from '../image/ext4.js';
import { MissingToolError, UserError } from '../errors.js';
import { findRootPartition } from '../image/partition-table.js';
import { readPartitionTable } from '../image/read-partition-table.js';

/** Where an armada image keeps its first-boot unit (the marker that the seed will be read). */
export const firstBootUnitPaths = [
  '/etc/systemd/system/armada-firstboot.service',
  '/usr/lib/systemd/system/armada-firstboot.service',
  '/lib/systemd/system/armada-firstboot.service',
];

/**
 * Does the target's root partition carry armada's first-boot unit? Only "no root partition" means
 * no; a missing debugfs or an unreadable card is an error, not "not an armada image".
 */
export async function hasFirstBootUnit(target: string): Promise<boolean> {
  let root: { offsetBytes: number };
  try {
    root = findRootPartition(await readPartitionTable(target));
  } catch (error) {
    if (error instanceof UserError && !(error instanceof MissingToolError)) return false;
    throw error;
  }
  for (const path of firstBootUnitPaths) {
    if (await statExt4({ path: target, offsetBytes: root.offsetBytes }, path)) return true;
  }
  return false;
}

export function notArmadaWarning(target: string): string {
  return `${target} does not look like an armada image (no armada-firstboot.service on its root partition); the seed is written, but only armada's first boot reads it`;
}
