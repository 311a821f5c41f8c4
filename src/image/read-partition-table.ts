import { access, constants, open, stat } from 'node:fs/promises';
import { run } from '../exec.js';
import { parseSfdiskJson, sfdiskDumpCommand, type PartitionTable } from './partition-table.js';
import { UserError } from '../errors.js';

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
  const head = Buffer.alloc(6);
  const fd = await open(path, 'r');
  try {
    await fd.read(head, 0, 6, 0);
  } finally {
    await fd.close();
  }
  const compressed = compressedKind(head);
  if (compressed)
    return `${path} is ${compressed}-compressed; configure needs the raw image: decompress it first (${compressed === 'xz' ? 'xz -dk' : compressed === 'zstd' ? 'zstd -d' : compressed === 'gzip' ? 'gunzip -k' : 'unzip'} ${path}), or write it with 'armada flash ${path} <card> --hostname …', which seeds as it writes`;
  return undefined;
}

/** Pure: the compression a file's first bytes announce. */
export function compressedKind(head: Uint8Array): 'xz' | 'zstd' | 'gzip' | 'zip' | undefined {
  const b = Buffer.from(head);
  if (b.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (b.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return 'zstd';
  if (b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) return 'zip';
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
