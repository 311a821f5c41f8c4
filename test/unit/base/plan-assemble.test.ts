import { describe, expect, it } from 'vitest';
import {
  copyBootCommand,
  planBaseLayout,
  workSpaceNeeded,
} from '../../../src/base/plan-assemble.js';

const MiB = 1 << 20;
// Raspberry Pi OS Lite's layout: FAT at 8 MiB (512 MiB), root after it.
const geometry = {
  diskId: '4e639091',
  rootUuid: '0b2f3c1e-8a3d-4b5e-9c7f-1a2b3c4d5e6f',
  boot: { offsetBytes: 8 * MiB, sizeBytes: 512 * MiB },
  root: { offsetBytes: 520 * MiB, sizeBytes: 2048 * MiB },
};

describe('planBaseLayout', () => {
  it("keeps the base's partitions and ids when the content fits", () => {
    const l = planBaseLayout(geometry, { bytes: 1200 * MiB, inodes: 60_000 }, 256);
    expect(l).toMatchObject({
      diskId: '4e639091',
      rootUuid: geometry.rootUuid,
      boot: geometry.boot,
      root: geometry.root,
      totalBytes: 2568 * MiB,
      grownBytes: 0,
    });
  });

  it('grows only the root, only as far as the content and headroom need, 4 MiB aligned', () => {
    const l = planBaseLayout(geometry, { bytes: 2000 * MiB, inodes: 80_000 }, 256);
    const needed = 2000 * MiB + 64 * MiB + 80_000 * 256 + 2000 * MiB * 0.08 + 256 * MiB;
    expect(l.root.offsetBytes).toBe(520 * MiB);
    expect(l.root.sizeBytes).toBe(Math.ceil(needed / (4 * MiB)) * 4 * MiB);
    expect(l.grownBytes).toBe(l.root.sizeBytes - 2048 * MiB);
    expect(l.root.sizeBytes - needed).toBeLessThan(4 * MiB);
    expect(l.totalBytes).toBe(l.root.offsetBytes + l.root.sizeBytes);
  });
});

describe('copyBootCommand', () => {
  it('copies exactly the FAT partition to the same offset, without truncating the image', () => {
    const l = planBaseLayout(geometry, { bytes: 0, inodes: 0 }, 64);
    expect(copyBootCommand('base.img', 'new.img', l)).toEqual([
      'dd',
      expect.arrayContaining([
        'if=base.img',
        'of=new.img',
        `skip=${8 * MiB}`,
        `seek=${8 * MiB}`,
        `count=${512 * MiB}`,
        'conv=notrunc,sparse',
      ]),
    ]);
  });
});

describe('workSpaceNeeded', () => {
  it("is twice the root's used bytes (extracted tree, new root) plus 1 GiB for the packages", () => {
    const root = { blockSize: 4096, blockCount: 1_000_000, freeBlocks: 400_000 };
    expect(workSpaceNeeded(root)).toBe(2 * 600_000 * 4096 + 1024 ** 3);
  });
});
