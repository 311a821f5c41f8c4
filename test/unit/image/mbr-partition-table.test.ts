import { describe, expect, test } from 'vitest';
import { mbrPartitionTable, parseSfdiskJson } from '../../../src/image/partition-table.js';

/** An MBR sector: entries as [status, type, startSector, sectors], in slots 1–4. */
function mbr(id: number, entries: ([number, number, number, number] | undefined)[]): Buffer {
  const b = Buffer.alloc(512);
  b.writeUInt32LE(id, 440);
  entries.forEach((e, i) => {
    if (!e) return;
    const at = 446 + 16 * i;
    b[at] = e[0];
    b[at + 4] = e[1];
    b.writeUInt32LE(e[2], at + 8);
    b.writeUInt32LE(e[3], at + 12);
  });
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}

// `sfdisk --json` of armada's default image's first MiB (util-linux 2.38), recorded.
const sfdiskOfDefaultImage = JSON.stringify({
  partitiontable: {
    label: 'dos',
    id: '0x106805e4',
    device: 'head.bin',
    unit: 'sectors',
    grain: '512',
    sectorsize: 512,
    partitions: [
      { node: 'head.bin1', start: 8192, size: 524288, type: 'c', bootable: true },
      { node: 'head.bin2', start: 532480, size: 2129920, type: '83' },
    ],
  },
});

describe('mbrPartitionTable', () => {
  test("is what sfdisk reads from the same sector (armada's default image)", () => {
    const sector = mbr(0x106805e4, [
      [0x80, 0x0c, 8192, 524288],
      [0, 0x83, 532480, 2129920],
    ]);
    expect(mbrPartitionTable(sector)).toEqual(parseSfdiskJson(sfdiskOfDefaultImage));
  });

  test('numbers partitions by their slot and pads the disk id', () => {
    const table = mbrPartitionTable(mbr(0xab, [undefined, [0, 0x0c, 2048, 100]]));
    expect(table?.id).toBe('000000ab');
    expect(table?.partitions.map((p) => [p.index, p.type, p.offsetBytes])).toEqual([
      [2, 'c', 2048 * 512],
    ]);
  });

  test('leaves to sfdisk what it does not describe: GPT, extended partitions, no table', () => {
    expect(mbrPartitionTable(mbr(1, [[0, 0xee, 1, 1000]]))).toBeUndefined();
    expect(
      mbrPartitionTable(
        mbr(1, [
          [0, 0x0c, 8192, 10],
          [0, 0x05, 9000, 100],
        ]),
      ),
    ).toBeUndefined();
    expect(mbrPartitionTable(mbr(1, []))).toBeUndefined();
    const noSignature = mbr(1, [[0, 0x83, 2048, 100]]);
    noSignature[510] = 0;
    expect(mbrPartitionTable(noSignature)).toBeUndefined();
    expect(mbrPartitionTable(Buffer.alloc(100))).toBeUndefined();
  });
});
