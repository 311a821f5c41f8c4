/**
 * The customised image, planned from the base: the same disk identifier (so the PARTUUIDs in the
 * base's cmdline.txt and /etc/fstab stay right), the base's FAT partition copied byte for byte
 * (its own firmware, kernels, overlays and volume id), and the root filesystem rebuilt with
 * mke2fs -d under the base's UUID, grown only when the new content needs it. Pure.
 */
import type { Command } from '../exec.js';
import { alignment, planLayout, type Layout } from '../image/plan-image.js';

export interface BaseGeometry {
  /** MBR disk identifier, 8 hex digits. */
  diskId: string;
  rootUuid: string;
  boot: { offsetBytes: number; sizeBytes: number };
  root: { offsetBytes: number; sizeBytes: number };
}

export interface BaseLayout extends Layout {
  /** Bytes the root partition grew by (0: the base's size was enough). */
  grownBytes: number;
}

export function planBaseLayout(
  g: BaseGeometry,
  content: { bytes: number; inodes: number },
  headroomMiB: number,
): BaseLayout {
  // The same sizing rule as a from-scratch build, so both leave the same headroom.
  const needed = planLayout({
    seed: 'size only',
    bootSizeMiB: 0,
    rootContentBytes: content.bytes,
    rootInodes: content.inodes,
    headroomMiB,
  }).root.sizeBytes;
  const rootSize =
    needed > g.root.sizeBytes ? Math.ceil(needed / alignment) * alignment : g.root.sizeBytes;
  return {
    diskId: g.diskId,
    // The base's FAT is copied with its own volume id; nothing makes a new one.
    bootVolumeId: '',
    rootUuid: g.rootUuid,
    boot: g.boot,
    root: { offsetBytes: g.root.offsetBytes, sizeBytes: rootSize },
    totalBytes: g.root.offsetBytes + rootSize,
    grownBytes: rootSize - g.root.sizeBytes,
  };
}

/** The base's FAT partition, byte for byte, at the same offset of the new image. */
export function copyBootCommand(base: string, image: string, layout: Layout): Command {
  const { offsetBytes, sizeBytes } = layout.boot;
  return [
    'dd',
    [
      `if=${base}`,
      `of=${image}`,
      'bs=4M',
      'iflag=skip_bytes,count_bytes',
      'oflag=seek_bytes',
      `skip=${offsetBytes}`,
      `seek=${offsetBytes}`,
      `count=${sizeBytes}`,
      'conv=notrunc,sparse',
      'status=none',
    ],
  ];
}

const GiB = 1024 ** 3;

/**
 * Work-dir bytes a customisation needs: the extracted root, the new image's root (its size is at
 * least the content), and the Docker packages with their unpacked files (~1 GiB for Debian 13's).
 */
export function workSpaceNeeded(root: {
  blockSize: number;
  blockCount: number;
  freeBlocks: number;
}): number {
  const used = (root.blockCount - root.freeBlocks) * root.blockSize;
  return 2 * used + GiB;
}
