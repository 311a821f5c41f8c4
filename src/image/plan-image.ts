/**
 * The disk image, planned purely: partition layout, identifiers derived from the inputs (so the
 * same inputs give the same image), the boot files, and every command that assembles it. Steps
 * apply this plan; nothing here touches the disk.
 */
import { createHash } from 'node:crypto';
import type { Command } from '../exec.js';
import { debugfsQuote } from './debugfs.js';
import { piModels } from './pi-models.js';

export const sectorSize = 512;

/** The boot partition's kernel and initramfs, as config.txt names them. */
export const bootKernel = 'vmlinuz';
export const bootInitrd = 'initrd.img';

/**
 * The root filesystem's journal: what mke2fs gives a filesystem under 1 GiB, which the default
 * image's root is. mke2fs writes it out in full, so it is mapped on every card; pinned, content
 * that grows the root past 1 GiB does not double it. First boot grows the filesystem, not the
 * journal.
 */
export const rootJournalMiB = 16;
const MiB = 1024 * 1024;
export const alignment = 4 * MiB;

export interface Layout {
  diskId: string;
  bootVolumeId: string;
  rootUuid: string;
  boot: { offsetBytes: number; sizeBytes: number };
  root: { offsetBytes: number; sizeBytes: number };
  totalBytes: number;
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

function hex(seed: string, label: string): string {
  return createHash('sha256').update(`${label}\0${seed}`).digest('hex');
}

export function deriveIds(seed: string): Pick<Layout, 'diskId' | 'bootVolumeId' | 'rootUuid'> {
  // Disk id 0 means "none" to some firmware; a derived one is never 0 in practice, but be sure.
  const diskId = hex(seed, 'disk-id')
    .slice(0, 8)
    .replace(/^0{8}$/, '00000001');
  const u = hex(seed, 'root-uuid');
  const rootUuid = `${u.slice(0, 8)}-${u.slice(8, 12)}-4${u.slice(13, 16)}-a${u.slice(17, 20)}-${u.slice(20, 32)}`;
  return { diskId, bootVolumeId: hex(seed, 'boot-volume-id').slice(0, 8), rootUuid };
}

/**
 * Root size = content + ext4 overhead (journal, inode tables, reserved blocks) + headroom,
 * rounded up to the 4 MiB alignment. Never smaller than its filesystem: mke2fs is told this size.
 */
export function planLayout(input: {
  seed: string;
  bootSizeMiB: number;
  rootContentBytes: number;
  rootInodes: number;
  headroomMiB: number;
}): Layout {
  const bootSize = input.bootSizeMiB * MiB;
  const overhead = 64 * MiB + input.rootInodes * 256 + input.rootContentBytes * 0.08;
  const rootSize = roundUp(input.rootContentBytes + overhead + input.headroomMiB * MiB, alignment);
  const bootOffset = alignment;
  const rootOffset = roundUp(bootOffset + bootSize, alignment);
  return {
    ...deriveIds(input.seed),
    boot: { offsetBytes: bootOffset, sizeBytes: bootSize },
    root: { offsetBytes: rootOffset, sizeBytes: rootSize },
    totalBytes: rootOffset + rootSize,
  };
}

export function partUuid(layout: Pick<Layout, 'diskId'>, n: number): string {
  return `${layout.diskId}-${String(n).padStart(2, '0')}`;
}

export function sfdiskScript(layout: Layout): string {
  const s = (b: number) => b / sectorSize;
  return [
    'label: dos',
    `label-id: 0x${layout.diskId}`,
    'unit: sectors',
    `sector-size: ${sectorSize}`,
    '',
    `start=${s(layout.boot.offsetBytes)}, size=${s(layout.boot.sizeBytes)}, type=c, bootable`,
    `start=${s(layout.root.offsetBytes)}, size=${s(layout.root.sizeBytes)}, type=83`,
    '',
  ].join('\n');
}

export function sfdiskCommand(image: string): Command {
  return ['sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', image]];
}

export function mkfsBootCommand(image: string, layout: Layout): Command {
  // 1 KiB clusters keep FAT32 above its 65525-cluster minimum at 256 MiB.
  return [
    'mkfs.vfat',
    [
      '-F',
      '32',
      '-s',
      '2',
      '-n',
      'BOOTFS',
      '-i',
      layout.bootVolumeId,
      '--invariant',
      `--offset=${layout.boot.offsetBytes / sectorSize}`,
      image,
      String(layout.boot.sizeBytes / 1024),
    ],
  ];
}

export function mcopyBootCommand(image: string, layout: Layout, files: string[]): Command {
  return ['mcopy', ['-m', '-i', `${image}@@${layout.boot.offsetBytes}`, ...files, '::/']];
}

export function mke2fsRootCommand(image: string, layout: Layout, rootDir: string): Command {
  return [
    'mke2fs',
    [
      '-F',
      '-q',
      '-t',
      'ext4',
      '-b',
      '4096',
      '-L',
      'rootfs',
      '-U',
      layout.rootUuid,
      '-I',
      '256',
      '-J',
      `size=${rootJournalMiB}`,
      '-E',
      `offset=${layout.root.offsetBytes},hash_seed=${layout.rootUuid},root_owner=0:0`,
      '-d',
      rootDir,
      image,
      `${layout.root.sizeBytes / 1024}k`,
    ],
  ];
}

/**
 * mke2fs -d copies each source file's ctime (the moment the build wrote it, which user space cannot
 * set) and atime (moved by every read during the build); with SOURCE_DATE_EPOCH a debugfs script
 * stamps both on every inode, so the same packages give the same bytes. Paths are relative to the
 * filesystem root.
 */
export function clampTimesScript(paths: readonly string[], epoch: number): string {
  return ['/', ...paths]
    .map((p) => {
      if (/[\n\r]/.test(p))
        throw new Error(`a path with a line break cannot be stamped reproducibly: ${p}`);
      const quoted = debugfsQuote(p.startsWith('/') ? p : `/${p}`);
      return `set_inode_field ${quoted} ctime @${epoch}\nset_inode_field ${quoted} atime @${epoch}\n`;
    })
    .join('');
}

export interface BootConfig {
  layout: Layout;
  arch: 'arm64' | 'armhf';
  /** Extra kernel arguments (e.g. cgroup settings). */
  extraCmdline?: string[];
}

export function configTxt(c: BootConfig): string {
  return [
    '# Written by armada build. Raspberry Pi 3/4/400/CM4/Zero 2 W with Debian’s kernel.',
    ...(c.arch === 'arm64' ? ['arm_64bit=1'] : []),
    'enable_uart=1',
    'upstream_kernel=1',
    `kernel=${bootKernel}`,
    `initramfs ${bootInitrd} followkernel`,
    'disable_overscan=1',
    // Models whose device tree the firmware does not pick by itself (pi-models.json).
    ...piModels
      .filter((m) => m.claimed && m.deviceTreeSetting)
      .flatMap((m) => [`[${m.filters.at(-1)}]`, `device_tree=${m.dtb}`]),
    '[all]',
    '',
  ].join('\n');
}

export function cmdlineTxt(c: BootConfig): string {
  return (
    [
      'console=tty0',
      // Debian's upstream-style device trees name the Pi's mini UART ttyS1.
      'console=ttyS1,115200',
      `root=PARTUUID=${partUuid(c.layout, 2)}`,
      'rootfstype=ext4',
      'rootwait',
      'fsck.repair=yes',
      ...(c.extraCmdline ?? []),
    ].join(' ') + '\n'
  );
}

/**
 * The root's mount options cut what an idle device writes to its card: noatime (reads write
 * nothing), lazytime (a timestamp-only change stays in memory until the inode is written for
 * another reason, at the latest a day later) and commit=60 (ext4 commits its journal every 60 s
 * instead of every 5: a container appending to its log dirties the inode all the time, and each
 * commit writes journal blocks). fsync() still commits at once (dpkg, containerd, Docker's own
 * state), so a power cut loses at most the last minute of what nobody asked to be durable.
 */
export const rootMountOptions = 'defaults,noatime,lazytime,commit=60';

export function fstab(layout: Layout): string {
  return [
    '# Written by armada build: partitions by PARTUUID, so mmcblk0 on a Pi and vda in QEMU both work.',
    `PARTUUID=${partUuid(layout, 2)}  /               ext4  ${rootMountOptions}  0  1`,
    `PARTUUID=${partUuid(layout, 1)}  /boot/firmware  vfat  defaults,umask=0077  0  2`,
    '',
  ].join('\n');
}

/** Boot-partition files taken from the root filesystem: firmware blobs and the Pi device trees. */
export function isBootFirmware(name: string): boolean {
  return /^(bootcode\.bin|(start|fixup)[a-z0-9_]*\.(elf|dat))$/.test(name);
}

/**
 * Where the kernel package put its device trees, relative to the root filesystem: arm64 kernels
 * (and armhf ones from Linux 6.5, which moved arm's trees into vendor directories) under
 * broadcom/; older armhf kernels (bookworm's 6.1 armmp) flat in the package's directory.
 */
export function deviceTreeDirs(kernelVersion: string): string[] {
  const dir = `usr/lib/linux-image-${kernelVersion}`;
  return [`${dir}/broadcom`, dir];
}

/**
 * The SoCs armada images can boot: BCM2836 is the Pi 2's (armhf kernels only), BCM2837/2710 the
 * Pi 3 family and Zero 2 W, BCM2711 the Pi 4 family, BCM2712 the Pi 5. BCM2835 (Pi 1, Zero) is
 * ARMv6, which no Debian kernel runs.
 */
export function isPiDeviceTree(name: string): boolean {
  return /^bcm(2710|2711|2712|2836|2837)-.*\.dtb$/.test(name);
}
