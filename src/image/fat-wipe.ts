/**
 * Overwriting files of a FAT partition in place. Deleting a FAT file only marks its clusters
 * free: the bytes stay on the card until something else is written there. Before a new seed
 * replaces an old one, the old files' clusters are zeroed where they lie (the cluster chains
 * come from mtools' `mshowfat`, the geometry from the boot sector), then the files are deleted.
 */
import { open } from 'node:fs/promises';
import { run, type Command } from '../exec.js';
import { drive, mtoolsEnv, type FatVolume } from './fat.js';

export interface FatGeometry {
  bytesPerSector: number;
  sectorsPerCluster: number;
  /** Byte offset of cluster 2 from the start of the volume. */
  dataOffset: number;
}

/** Pure: the layout fields of a FAT12/16/32 boot sector. */
export function fatGeometry(boot: Uint8Array): FatGeometry {
  const b = Buffer.from(boot.buffer, boot.byteOffset, boot.byteLength);
  if (b.length < 512 || b[510] !== 0x55 || b[511] !== 0xaa)
    throw new Error('not a FAT boot sector (no 55 AA signature)');
  const bytesPerSector = b.readUInt16LE(11);
  const sectorsPerCluster = b[13];
  const reserved = b.readUInt16LE(14);
  const fats = b[16];
  const rootEntries = b.readUInt16LE(17);
  const fatSectors = b.readUInt16LE(22) || b.readUInt32LE(36);
  if (![512, 1024, 2048, 4096].includes(bytesPerSector) || !sectorsPerCluster || !fats)
    throw new Error('the FAT boot sector has an impossible geometry');
  const rootSectors = Math.ceil((rootEntries * 32) / bytesPerSector);
  return {
    bytesPerSector,
    sectorsPerCluster,
    dataOffset: (reserved + fats * fatSectors + rootSectors) * bytesPerSector,
  };
}

/** Pure: the clusters of `mshowfat` output (`::/a/b <4-23> <30>`), in order. */
export function parseShowFat(stdout: string): number[] {
  const clusters: number[] = [];
  for (const m of stdout.matchAll(/<(\d+)(?:-(\d+))?>/g)) {
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    for (let c = first; c <= last; c++) clusters.push(c);
  }
  return clusters;
}

function showFatCommand(v: FatVolume, path: string): Command {
  return ['mshowfat', ['-i', drive(v), `::${path}`]];
}

/** Zeroes every cluster of each file in `paths` (paths inside the volume, with a leading /). */
export async function wipeFatFiles(v: FatVolume, paths: readonly string[]): Promise<number> {
  if (!paths.length) return 0;
  const fh = await open(v.path, 'r+');
  let wiped = 0;
  try {
    const boot = Buffer.alloc(512);
    await fh.read(boot, 0, 512, v.offsetBytes);
    const g = fatGeometry(boot);
    const clusterBytes = g.bytesPerSector * g.sectorsPerCluster;
    const zeros = Buffer.alloc(clusterBytes);
    for (const path of paths) {
      const r = await run(showFatCommand(v, path), { env: mtoolsEnv, allowFailure: true });
      if (r.exitCode !== 0) continue;
      for (const c of parseShowFat(r.stdout)) {
        await fh.write(
          zeros,
          0,
          clusterBytes,
          v.offsetBytes + g.dataOffset + (c - 2) * clusterBytes,
        );
        wiped += clusterBytes;
      }
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  return wiped;
}
