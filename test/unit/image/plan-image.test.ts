import { describe, expect, it } from 'vitest';
import {
  alignment,
  clampTimesScript,
  cmdlineTxt,
  configTxt,
  deriveIds,
  fstab,
  isBootFirmware,
  isPiDeviceTree,
  mke2fsRootCommand,
  mkfsBootCommand,
  planLayout,
  sfdiskScript,
} from '../../../src/image/plan-image.js';

const MiB = 1024 * 1024;
const layout = planLayout({
  seed: 's',
  bootSizeMiB: 256,
  rootContentBytes: 1100 * MiB,
  rootInodes: 40_000,
  headroomMiB: 256,
});

describe('planLayout', () => {
  it('aligns both partitions to 4 MiB and keeps them in order', () => {
    expect(layout.boot.offsetBytes).toBe(4 * MiB);
    expect(layout.boot.sizeBytes).toBe(256 * MiB);
    expect(layout.root.offsetBytes % alignment).toBe(0);
    expect(layout.root.sizeBytes % alignment).toBe(0);
    expect(layout.root.offsetBytes).toBeGreaterThanOrEqual(
      layout.boot.offsetBytes + layout.boot.sizeBytes,
    );
    expect(layout.totalBytes).toBe(layout.root.offsetBytes + layout.root.sizeBytes);
  });

  it('leaves room for content, ext4 overhead and headroom', () => {
    expect(layout.root.sizeBytes).toBeGreaterThan((1100 + 256 + 64) * MiB);
  });

  it('derives identifiers from the seed: same seed, same ids; other seed, other ids', () => {
    expect(deriveIds('a')).toEqual(deriveIds('a'));
    expect(deriveIds('a').diskId).not.toBe(deriveIds('b').diskId);
    expect(deriveIds('a').diskId).toMatch(/^[0-9a-f]{8}$/);
    expect(deriveIds('a').rootUuid).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

describe('boot files and commands', () => {
  it('addresses partitions by PARTUUID in cmdline.txt and fstab', () => {
    expect(cmdlineTxt({ layout, arch: 'arm64' })).toContain(`root=PARTUUID=${layout.diskId}-02 `);
    const tab = fstab(layout);
    expect(tab).toContain(`PARTUUID=${layout.diskId}-02  /  `);
    expect(tab).toContain(`PARTUUID=${layout.diskId}-01  /boot/firmware  vfat`);
    expect(tab).not.toMatch(/\/dev\/(mmcblk|sd|vd)/);
  });

  it('mounts the root with options that cut what an idle device writes to its card', () => {
    const root = fstab(layout)
      .split('\n')
      .find((l) => l.startsWith(`PARTUUID=${layout.diskId}-02`))!
      .split(/\s+/);
    expect(root.slice(1, 4)).toEqual(['/', 'ext4', 'defaults,noatime,lazytime,commit=60']);
  });

  it('boots 64-bit only for arm64', () => {
    expect(configTxt({ layout, arch: 'arm64' })).toContain('arm_64bit=1');
    expect(configTxt({ layout, arch: 'armhf' })).not.toContain('arm_64bit');
    expect(configTxt({ layout, arch: 'arm64' })).toContain('initramfs initrd.img followkernel');
  });

  it('writes an MBR script with FAT32 LBA p1 and Linux p2 in sectors', () => {
    const s = sfdiskScript(layout);
    expect(s).toContain(`label-id: 0x${layout.diskId}`);
    expect(s).toContain(`start=8192, size=${(256 * MiB) / 512}, type=c, bootable`);
    expect(s).toContain(
      `start=${layout.root.offsetBytes / 512}, size=${layout.root.sizeBytes / 512}, type=83`,
    );
  });

  it('makes the filesystems in place at their offsets with fixed ids', () => {
    const [, vfat] = mkfsBootCommand('x.img', layout);
    expect(vfat).toEqual(
      expect.arrayContaining([
        '-F',
        '32',
        '--invariant',
        '-i',
        layout.bootVolumeId,
        '--offset=8192',
      ]),
    );
    const [, ext4] = mke2fsRootCommand('x.img', layout, '/r');
    expect(ext4).toEqual(
      expect.arrayContaining([
        '-U',
        layout.rootUuid,
        '-d',
        '/r',
        `${layout.root.sizeBytes / 1024}k`,
      ]),
    );
    expect(ext4.join(' ')).toContain(
      `offset=${layout.root.offsetBytes},hash_seed=${layout.rootUuid}`,
    );
    // A pinned journal: mke2fs zeroes it, so every MiB of it is written to every card.
    expect(ext4.join(' ')).toContain('-J size=16');
  });

  it('selects firmware blobs and Pi device trees only', () => {
    expect(['start4.elf', 'fixup4.dat', 'bootcode.bin', 'start_cd.elf'].every(isBootFirmware)).toBe(
      true,
    );
    expect(['LICENCE.broadcom', 'config.txt'].some(isBootFirmware)).toBe(false);
    expect(isPiDeviceTree('bcm2711-rpi-4-b.dtb')).toBe(true);
    expect(isPiDeviceTree('bcm2837-rpi-zero-2-w.dtb')).toBe(true);
    expect(isPiDeviceTree('bcm2836-rpi-2-b.dtb')).toBe(true);
    expect(isPiDeviceTree('bcm2835-rpi-b.dtb')).toBe(false);
  });
});

describe('clampTimesScript', () => {
  it('stamps ctime and atime of the root and every path, quoting for debugfs', () => {
    const script = clampTimesScript(['etc', 'etc/a b', 'odd"name'], 1767225600);
    expect(script.split('\n').filter(Boolean)).toEqual([
      'set_inode_field "/" ctime @1767225600',
      'set_inode_field "/" atime @1767225600',
      'set_inode_field "/etc" ctime @1767225600',
      'set_inode_field "/etc" atime @1767225600',
      'set_inode_field "/etc/a b" ctime @1767225600',
      'set_inode_field "/etc/a b" atime @1767225600',
      'set_inode_field "/odd""name" ctime @1767225600',
      'set_inode_field "/odd""name" atime @1767225600',
    ]);
  });

  it('refuses a path with a line break rather than stamping the wrong file', () => {
    expect(() => clampTimesScript(['bad\nname'], 1)).toThrow(/line break/);
  });
});
