/**
 * The Pi model verdicts of an image file or card, read without mounting: the boot partition
 * (src/image/boot-facts.ts) and the newest /boot/config-* of the ext4 root for the drivers a model needs.
 * Only that file is read, not the kernels, so this stays quick enough to run after a flash.
 */
import { parseKernelConfig, type KernelConfig } from './config.js';
import { readBootFacts } from '../image/boot-facts.js';
import type { Ext4Volume } from '../image/debugfs.js';
import { listExt4, readExt4 } from '../image/ext4.js';
import { isLinuxPartition, type PartitionTable } from '../image/partition-table.js';
import { checkPiModels, type ModelVerdict } from '../image/pi-models.js';
import { readPartitionTable } from '../image/read-partition-table.js';

async function newestConfig(root: Ext4Volume): Promise<KernelConfig | undefined> {
  const configs = ((await listExt4(root, '/boot')) ?? [])
    .filter((n) => n.startsWith('config-'))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const newest = configs.at(-1);
  const text = newest ? await readExt4(root, `/boot/${newest}`) : undefined;
  return text ? parseKernelConfig(text.toString('utf8')) : undefined;
}

/** `known`: the partition table when the target's own is not (yet) there to read. */
export async function readPiModelVerdicts(
  target: string,
  known?: PartitionTable,
): Promise<ModelVerdict[]> {
  const table = known ?? (await readPartitionTable(target));
  const facts = await readBootFacts(target, table);
  const rootPart = table.partitions.find(isLinuxPartition);
  const kernel = rootPart
    ? await newestConfig({ path: target, offsetBytes: rootPart.offsetBytes }).catch(() => undefined)
    : undefined;
  return checkPiModels({
    ...facts,
    ...(kernel ? { kernelConfig: kernel.values } : {}),
    ...(kernel?.arch ? { kernelArch: kernel.arch } : {}),
  });
}
