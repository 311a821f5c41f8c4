/**
 * Kernels in a whole disk image (or a bare FAT/ext4 filesystem image), read without mounting
 * and without root: partitions from sfdisk, FAT through mtools, ext4 through debugfs. Each
 * partition is recognised by its content (boot sector, ext superblock), not its type code.
 */
import { UserError } from '../errors.js';
import type { Ext4Volume } from '../image/debugfs.js';
import { listExt4, readExt4 } from '../image/ext4.js';
import { listFat, readFat, type FatVolume } from '../image/fat.js';
import { readAt } from '../image/read-at.js';
import { readPartitionTable } from '../image/read-partition-table.js';
import { classifyKernelPath, uniqueBy, type Candidate } from './candidates.js';
import { sniff } from '../source/magic.js';
import type { Found } from './rootfs.js';

type Volume = { fs: 'fat' | 'ext'; prefix: string; offsetBytes: number };

async function volumeAt(
  path: string,
  offsetBytes: number,
  prefix: string,
): Promise<Volume | undefined> {
  const format = sniff(await readAt(path, offsetBytes, 2048));
  return format === 'fat' || format === 'ext' ? { fs: format, prefix, offsetBytes } : undefined;
}

async function fatCandidates(path: string, v: Volume): Promise<Found> {
  const volume: FatVolume = { path, offsetBytes: v.offsetBytes };
  const files = await listFat(volume, '/');
  const candidates = files.flatMap((file): Candidate[] => {
    const c = classifyKernelPath(file);
    if (!c) return [];
    const load = async () => {
      const data = await readFat(volume, file);
      if (!data)
        throw new UserError(`${v.prefix}${file}: could not be read from the FAT partition`);
      return data;
    };
    return [{ ...c, label: `${v.prefix}${file}`, load }];
  });
  const cmdlineFile = files.find((f) => f.toLowerCase() === '/cmdline.txt');
  const text = cmdlineFile ? (await readFat(volume, cmdlineFile))?.toString('utf8') : undefined;
  return {
    candidates,
    ...(text !== undefined ? { cmdline: { label: `${v.prefix}${cmdlineFile}`, text } } : {}),
  };
}

async function extCandidates(path: string, v: Volume): Promise<Found> {
  const volume: Ext4Volume = { path, offsetBytes: v.offsetBytes };
  const files: string[] = [];
  for (const dir of ['/boot', '/boot/firmware']) {
    for (const name of (await listExt4(volume, dir)) ?? []) files.push(`${dir}/${name}`);
  }
  for (const modules of ['/lib/modules', '/usr/lib/modules']) {
    for (const version of (await listExt4(volume, modules)) ?? []) {
      const dir = `${modules}/${version}/kernel/kernel`;
      for (const name of (await listExt4(volume, dir)) ?? []) files.push(`${dir}/${name}`);
    }
  }
  const classified = files.flatMap((file) => {
    const c = classifyKernelPath(file);
    return c ? [{ ...c, file }] : [];
  });
  // /lib → /usr/lib (merged /usr) lists the same modules twice.
  const unique = uniqueBy(
    classified,
    (c) => `${c.type}:${c.version ?? c.file}:${c.file.split('/').pop()}`,
  );
  const candidates = unique.map((c): Candidate => ({
    type: c.type,
    ...(c.version ? { version: c.version } : {}),
    label: `${v.prefix}${c.file}`,
    load: async () => {
      const data = await readExt4(volume, c.file);
      if (!data)
        throw new UserError(`${v.prefix}${c.file}: could not be read from the ext4 filesystem`);
      return data;
    },
  }));
  const text = (await readExt4(volume, '/boot/firmware/cmdline.txt'))?.toString('utf8');
  return {
    candidates,
    ...(text !== undefined
      ? { cmdline: { label: `${v.prefix}/boot/firmware/cmdline.txt`, text } }
      : {}),
  };
}

/** `format` is what sniff() said about the file's first bytes. */
export async function diskImageCandidates(
  path: string,
  format: 'mbr' | 'gpt' | 'fat' | 'ext',
): Promise<Found> {
  let volumes: Volume[];
  if (format === 'fat' || format === 'ext') {
    volumes = [{ fs: format, prefix: '', offsetBytes: 0 }];
  } else {
    const table = await readPartitionTable(path);
    const found = await Promise.all(
      table.partitions.map((p) => volumeAt(path, p.offsetBytes, `p${p.index}:`)),
    );
    volumes = found.filter((v): v is Volume => v !== undefined);
    if (!volumes.length)
      throw new UserError(
        `${path}: no FAT or ext4 partition in this disk image; is it a Raspberry Pi image?`,
      );
  }
  const candidates: Candidate[] = [];
  let cmdline: Found['cmdline'];
  for (const v of volumes) {
    const found = v.fs === 'fat' ? await fatCandidates(path, v) : await extCandidates(path, v);
    candidates.push(...found.candidates);
    // The FAT partition's cmdline.txt is what the Pi firmware passes; it wins over a copy in the rootfs.
    if (found.cmdline && (!cmdline || v.fs === 'fat')) cmdline = found.cmdline;
  }
  return { candidates, ...(cmdline ? { cmdline } : {}) };
}
