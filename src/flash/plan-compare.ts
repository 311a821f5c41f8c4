/**
 * Pure helpers of `armada verify`: where two buffers first differ, which MBR partition an offset
 * lies in, and what a difference there means for an armada card.
 */
import type { Segment } from './plan.js';
import { mbrEntries } from '../image/partition-table.js';

/** Index of the first byte where a and b differ (over the shorter length), or -1. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  // Compare 64 KiB at a time first: Buffer.compare is native, the byte loop only runs once.
  for (let at = 0; at < n; at += 65536) {
    const end = Math.min(at + 65536, n);
    if (Buffer.compare(a.subarray(at, end), b.subarray(at, end)) === 0) continue;
    for (let i = at; i < end; i++) if (a[i] !== b[i]) return i;
  }
  return a.length === b.length ? -1 : n;
}

/**
 * The 1-based MBR partition holding `offset`, from the image's first sector; 'gpt' for a GPT
 * image (its table is further on); undefined when no partition holds it.
 */
export function mbrPartitionAt(sector0: Uint8Array, offset: number): number | 'gpt' | undefined {
  for (const e of mbrEntries(sector0) ?? []) {
    if (e.type === 0xee) return 'gpt';
    const start = e.startSector * 512;
    if (offset >= start && offset < start + e.sectors * 512) return e.index;
  }
  return undefined;
}

/** Pure: what the first difference means, for the message. */
export function differenceNote(partition: number | 'gpt' | undefined, offset: number): string {
  if (offset < 512) return 'in the partition table';
  if (partition === 'gpt') return "in a GPT image ('armada inspect' lists its partitions)";
  if (partition === 1)
    return (
      'in partition 1, the FAT boot partition: armada flash and configure write the seed and ' +
      'config.txt there, so a seeded card differs in it (a card flashed with --no-seed does not)'
    );
  return partition
    ? `in partition ${partition}`
    : 'outside the partitions, where a flash guided by a .bmap writes nothing (compare with the .bmap)';
}

/** Pure: the parts of `segments` inside [start, end). */
export function clip(segments: readonly Segment[], start: number, end: number): Segment[] {
  return segments
    .map((s) => ({ start: Math.max(s.start, start), end: Math.min(s.end, end) }))
    .filter((s) => s.start < s.end);
}
