import { expect, test } from 'vitest';
import {
  clip,
  differenceNote,
  firstDifference,
  mbrPartitionAt,
} from '../../../src/flash/plan-compare.js';

test('firstDifference: the first differing byte, the shorter length when one ends early, else -1', () => {
  const a = Buffer.alloc(200_000, 7);
  expect(firstDifference(a, Buffer.from(a))).toBe(-1);
  const b = Buffer.from(a);
  b[131_073] = 8;
  expect(firstDifference(a, b)).toBe(131_073);
  expect(firstDifference(a, a.subarray(0, 1000))).toBe(1000);
});

test('mbrPartitionAt: the partition an offset lies in, from the first sector', () => {
  const mbr = Buffer.alloc(512);
  mbr[510] = 0x55;
  mbr[511] = 0xaa;
  const entry = (i: number, type: number, startLba: number, sectors: number) => {
    mbr[446 + i * 16 + 4] = type;
    mbr.writeUInt32LE(startLba, 446 + i * 16 + 8);
    mbr.writeUInt32LE(sectors, 446 + i * 16 + 12);
  };
  entry(0, 0x0c, 8192, 131072);
  entry(1, 0x83, 139264, 100000);
  expect(mbrPartitionAt(mbr, 8192 * 512)).toBe(1);
  expect(mbrPartitionAt(mbr, 139264 * 512 + 5)).toBe(2);
  expect(mbrPartitionAt(mbr, 4096)).toBeUndefined();
  expect(mbrPartitionAt(Buffer.alloc(512), 8192 * 512)).toBeUndefined();
  entry(0, 0xee, 1, 1000000);
  expect(mbrPartitionAt(mbr, 4096)).toBe('gpt');
  expect(differenceNote('gpt', 4096)).toMatch(/GPT image/);
});

test('differenceNote and clip', () => {
  expect(differenceNote(undefined, 100)).toBe('in the partition table');
  expect(differenceNote(1, 5_000_000)).toMatch(/seeded card differs in it/);
  expect(differenceNote(2, 9_000_000)).toBe('in partition 2');
  expect(differenceNote(undefined, 2_000_000)).toMatch(/outside the partitions/);
  expect(
    clip(
      [
        { start: 0, end: 10 },
        { start: 20, end: 30 },
      ],
      5,
      25,
    ),
  ).toEqual([
    { start: 5, end: 10 },
    { start: 20, end: 25 },
  ]);
});
