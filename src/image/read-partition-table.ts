import { access, constants, open, stat } from 'node:fs/promises';
import { run } from '../exec.js';
import { parseSfdiskJson, sfdiskDumpCommand, type PartitionTable } from './partition-table.js';
import { UserError } from '../errors.js';
import { detectFormat, magicLength } from '../source/detect.js';

/**
 * What the target is when it has no partition table to read: the message names the thing the
 * user gave and what to do with it, instead of a generic "no partition table".
 */
async function explainUnreadable(path: string): Promise<string | undefined> {
  const s = await stat(path).catch(() => undefined);
  if (!s) return `${path} does not exist; give an image file or a card's device (see 'lsblk')`;
  if (s.isDirectory())
    return `${path} is a directory; give an image file (.img) or a card's device (/dev/sdX)`;
  try {
    await access(path, constants.R_OK);
  } catch (error) {
    if ((error as { code?: string }).code !== 'EACCES') throw error;
    return s.isBlockDevice()
      ? `cannot read ${path}: permission denied (devices need root); run it again with sudo`
      : `cannot read ${path}: permission denied (owner uid ${s.uid}, mode ${(s.mode & 0o777).toString(8)}); make it readable (chmod u+r) or run as its owner`;
  }
  const head = Buffer.alloc(magicLength);
  const fd = await open(path, 'r');
  try {
    await fd.read(head, 0, magicLength, 0);
  } finally {
    await fd.close();
  }
  const format = detectFormat(head);
  const compressed = format === 'raw' ? undefined : format;
  if (compressed)
    return `${path} is ${compressed}-compressed; configure needs the raw image: decompress it first (${compressed === 'xz' ? 'xz -dk' : compressed === 'zstd' ? 'zstd -d' : compressed === 'gzip' ? 'gunzip -k' : 'unzip'} ${path}), or write it with 'armada flash ${path} <card> --hostname …', which seeds as it writes`;
  return undefined;
}

export async function readPartitionTable(imageOrDevice: string): Promise<PartitionTable> {
  const why = await explainUnreadable(imageOrDevice);
  if (why) throw new UserError(why);
  const result = await run(sfdiskDumpCommand(imageOrDevice), { allowFailure: true });
  if (result.exitCode !== 0) {
    throw new UserError(
      `${imageOrDevice}: no partition table found; is this a disk image or card?`,
    );
  }
  return parseSfdiskJson(result.stdout);
}
