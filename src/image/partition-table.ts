/**
 * Partition tables of image files, read with `sfdisk --json` (no loop device, no root).
 * The parser is pure and tested on recorded output.
 */
import type { Command } from '../exec.js';
import { UserError } from '../errors.js';

export interface Partition {
  /** 1-based partition number. */
  index: number;
  startSector: number;
  sectors: number;
  offsetBytes: number;
  sizeBytes: number;
  /** MBR type as hex without 0x ('c', '83') or a GPT type GUID. */
  type: string;
  bootable: boolean;
  uuid?: string;
}

export interface PartitionTable {
  label: 'dos' | 'gpt';
  /** MBR disk identifier without 0x, lower-case, 8 hex digits; GPT disk GUID. */
  id: string;
  sectorSize: number;
  partitions: Partition[];
}

export function sfdiskDumpCommand(path: string): Command {
  return ['sfdisk', ['--json', path]];
}

interface SfdiskJson {
  partitiontable?: {
    label?: string;
    id?: string;
    sectorsize?: number;
    partitions?: {
      node: string;
      start: number;
      size: number;
      type: string;
      bootable?: boolean;
      uuid?: string;
    }[];
  };
}

export function parseSfdiskJson(text: string): PartitionTable {
  let parsed: SfdiskJson;
  try {
    parsed = JSON.parse(text) as SfdiskJson;
  } catch {
    throw new UserError(
      'no partition table found (sfdisk output was not JSON); is this a disk image?',
    );
  }
  const pt = parsed.partitiontable;
  if (!pt || (pt.label !== 'dos' && pt.label !== 'gpt')) {
    throw new UserError('no MBR or GPT partition table found; is this a disk image?');
  }
  const sectorSize = pt.sectorsize ?? 512;
  const partitions = (pt.partitions ?? []).map((p): Partition => {
    const match = /(\d+)$/.exec(p.node);
    return {
      index: match ? Number(match[1]) : 0,
      startSector: p.start,
      sectors: p.size,
      offsetBytes: p.start * sectorSize,
      sizeBytes: p.size * sectorSize,
      type: p.type.toLowerCase(),
      bootable: p.bootable ?? false,
      ...(p.uuid ? { uuid: p.uuid } : {}),
    };
  });
  const id = (pt.id ?? '').toLowerCase().replace(/^0x/, '');
  return {
    label: pt.label,
    id: pt.label === 'dos' ? id.padStart(8, '0') : id,
    sectorSize,
    partitions,
  };
}

const fatTypes = new Set([
  'b',
  'c',
  'e',
  'ef',
  'ebd0a0a2-b9e5-4433-87c0-68b6b72699c7',
  'c12a7328-f81f-11d2-ba4b-00a0c93ec93b',
]);
const linuxTypes = new Set([
  '83',
  '0fc63daf-8483-4772-8e79-3d69d8477de4',
  'b921b045-1df0-41c3-af44-4c6f280d3fae',
]);

export function isFatPartition(p: Partition): boolean {
  return fatTypes.has(p.type);
}

export function isLinuxPartition(p: Partition): boolean {
  return linuxTypes.has(p.type);
}

export function findBootPartition(table: PartitionTable): Partition {
  const p = table.partitions.find(isFatPartition);
  if (!p) throw new UserError('the image has no FAT boot partition; is it a Raspberry Pi image?');
  return p;
}

export function findRootPartition(table: PartitionTable): Partition {
  const p = table.partitions.find(isLinuxPartition);
  if (!p) throw new UserError('the image has no Linux root partition; is it a Raspberry Pi image?');
  return p;
}

/** MBR types of extended partitions: their logical partitions live outside the first sector. */
const extendedTypes = new Set([0x05, 0x0f, 0x85]);

/** One used entry of an MBR's four. */
export interface MbrEntry {
  /** 1-based, as the kernel numbers primary partitions. */
  index: number;
  type: number;
  startSector: number;
  sectors: number;
  bootable: boolean;
}

/**
 * The used entries of the MBR in `sector0` (512-byte sectors), or undefined without the boot
 * signature. The one reader of the four 16-byte entries. Pure.
 */
export function mbrEntries(sector0: Uint8Array): MbrEntry[] | undefined {
  if (sector0.length < 512 || sector0[510] !== 0x55 || sector0[511] !== 0xaa) return undefined;
  const view = Buffer.from(sector0.buffer, sector0.byteOffset, 512);
  const entries: MbrEntry[] = [];
  for (let i = 0; i < 4; i++) {
    const entry = 446 + 16 * i;
    const type = view[entry + 4];
    if (type === 0) continue;
    entries.push({
      index: i + 1,
      type,
      startSector: view.readUInt32LE(entry + 8),
      sectors: view.readUInt32LE(entry + 12),
      bootable: view[entry] === 0x80,
    });
  }
  return entries;
}

/**
 * The MBR partition table in an image's first sector, as `parseSfdiskJson` would give it for the
 * image (512-byte sectors), or undefined for anything else (GPT, extended partitions, no table):
 * the caller asks sfdisk then. Lets flash read what it wrote from the bytes it holds, while the
 * card's own first MiB is still zeroed (it is written last). Pure.
 */
export function mbrPartitionTable(sector0: Uint8Array): PartitionTable | undefined {
  const entries = mbrEntries(sector0)?.filter((e) => e.sectors > 0);
  // A protective MBR (GPT) or logical partitions: not something this reader describes.
  if (!entries?.length || entries.some((e) => e.type === 0xee || extendedTypes.has(e.type)))
    return undefined;
  return {
    label: 'dos',
    id: Buffer.from(sector0.buffer, sector0.byteOffset, 512)
      .readUInt32LE(440)
      .toString(16)
      .padStart(8, '0'),
    sectorSize: 512,
    partitions: entries.map((e) => ({
      index: e.index,
      startSector: e.startSector,
      sectors: e.sectors,
      offsetBytes: e.startSector * 512,
      sizeBytes: e.sectors * 512,
      type: e.type.toString(16),
      bootable: e.bootable,
    })),
  };
}
