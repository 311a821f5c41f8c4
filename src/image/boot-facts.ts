/**
 * What the Pi model check needs from an image file or card, read without mounting: the
 * partition table (sfdisk), the FAT listing, config.txt and the command-line files it can name
 * (mtools).
 */
import { parseConfigTxt } from './config-txt.js';
import { listFat, readFat, type FatVolume } from './fat.js';
import { findBootPartition, isLinuxPartition, type PartitionTable } from './partition-table.js';
import type { BootFacts } from './pi-models.js';
import { readPartitionTable } from './read-partition-table.js';

export type BootPartitionFacts = Omit<
  BootFacts,
  'kernelConfig' | 'kernelArch' | 'requireInitramfs'
>;

export async function readBootFacts(
  path: string,
  known?: PartitionTable,
): Promise<BootPartitionFacts> {
  const table = known ?? (await readPartitionTable(path));
  const volume: FatVolume = { path, offsetBytes: findBootPartition(table).offsetBytes };
  const files = await listFat(volume, '/');
  const lower = new Map(files.map((f) => [f.toLowerCase(), f]));
  const text = async (name: string) => {
    const real = lower.get(name.toLowerCase());
    return real === undefined ? undefined : (await readFat(volume, real))?.toString('utf8');
  };
  const configTxt = await text('/config.txt');
  const names = new Set(['/cmdline.txt']);
  for (const l of parseConfigTxt(configTxt ?? ''))
    if (l.key === 'cmdline') names.add(`/${l.value.replace(/^\/+/, '')}`.toLowerCase());
  const cmdlines: Record<string, string> = {};
  for (const n of names) {
    const t = await text(n);
    if (t !== undefined) cmdlines[n] = t;
  }
  return {
    files,
    configTxt,
    cmdlines,
    table: {
      label: table.label,
      id: table.id,
      partitions: table.partitions.map((p) => ({
        index: p.index,
        ...(p.uuid ? { uuid: p.uuid } : {}),
        linux: isLinuxPartition(p),
      })),
    },
  };
}
