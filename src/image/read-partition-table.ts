import { run } from '../exec.js';
import { parseSfdiskJson, sfdiskDumpCommand, type PartitionTable } from './partition-table.js';
import { UserError } from '../errors.js';

export async function readPartitionTable(imageOrDevice: string): Promise<PartitionTable> {
  const result = await run(sfdiskDumpCommand(imageOrDevice), { allowFailure: true });
  if (result.exitCode !== 0) {
    throw new UserError(
      `${imageOrDevice}: no partition table found; is this a disk image or card?`,
    );
  }
  return parseSfdiskJson(result.stdout);
}
