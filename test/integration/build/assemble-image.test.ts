/**
 * The middle tier of the build: assemble-image (sfdisk, mkfs.vfat + mcopy, mke2fs -d, timestamp
 * clamping) on a small fake root filesystem, in seconds, without mmdebstrap.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { assembleImage } from '../../../src/build/steps/assemble-image.js';
import { partUuid } from '../../../src/image/plan-image.js';
import type { BuildContext } from '../../../src/build/context.js';
import { resolveBuildOptions } from '../../../src/commands/build.js';
import { readExt4 } from '../../../src/image/ext4.js';
import { listFat, readFat } from '../../../src/image/fat.js';
import { readPartitionTable } from '../../../src/image/read-partition-table.js';
import { runSteps } from '../../../src/progress.js';
import { describeNeeds } from '../../helpers/needs.js';
import { suiteTempDir } from '../../helpers/tmp.js';

const epoch = 1_700_000_000;
const kernel = '6.1.0-99-arm64';

/** What assemble-image reads from a bootstrapped root filesystem, and nothing more. */
async function fakeRootfs(root: string, extra: Record<string, string> = {}): Promise<void> {
  const files: Record<string, string> = {
    [`boot/vmlinuz-${kernel}`]: 'kernel image',
    [`boot/initrd.img-${kernel}`]: 'initramfs',
    'usr/lib/raspi-firmware/start4.elf': 'firmware',
    'usr/lib/raspi-firmware/fixup4.dat': 'fixup',
    'usr/lib/raspi-firmware/README': 'not copied to the boot partition',
    [`usr/lib/linux-image-${kernel}/broadcom/bcm2711-rpi-4-b.dtb`]: 'device tree',
    [`usr/lib/linux-image-${kernel}/broadcom/bcm2835-rpi-b.dtb`]: 'not a supported Pi',
    'etc/os-release': 'ID=debian\n',
    'etc/hostname': 'build-host\n',
    'home/armada/.keep': '',
    ...extra,
  };
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), content);
  }
  // A file from "the future" (the build's own clock): clamped to SOURCE_DATE_EPOCH.
  const later = new Date((epoch + 86_400) * 1000);
  await utimes(join(root, 'etc/os-release'), later, later);
}

function debugfsStat(image: string, offsetBytes: number, path: string): string {
  return execFileSync('debugfs', ['-R', `stat ${path}`, `${image}?offset=${offsetBytes}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

async function assemble(
  dir: string,
  extra: Record<string, string> = {},
  request: Parameters<typeof resolveBuildOptions>[0] = {},
) {
  const rootfsDir = join(dir, 'rootfs');
  await fakeRootfs(rootfsDir, extra);
  const o = resolveBuildOptions({
    ...request,
    cacheDir: join(dir, 'cache'),
    name: 'fake',
    sourceDateEpoch: epoch,
    headroomMiB: 64,
  });
  const ctx: BuildContext = { timings: {}, rootfsDir, workDir: dir, stageKey: 'fake-stage' };
  await runSteps([assembleImage(o, new Date(epoch * 1000))], ctx);
  return ctx;
}

describeNeeds({ root: true }, 'assemble-image on a fake root filesystem', () => {
  it('makes an MBR image with a FAT32 bootfs and an ext4 rootfs that find each other by PARTUUID', async () => {
    const ctx = await assemble(await suiteTempDir('armada-assemble-'));
    const image = ctx.imagePath!;
    const layout = ctx.layout!;

    const table = await readPartitionTable(image);
    expect(table.partitions.map((p) => [p.index, p.type, p.offsetBytes])).toEqual([
      [1, 'c', 4 << 20],
      [2, '83', layout.root.offsetBytes],
    ]);
    expect(layout.root.offsetBytes % (4 << 20)).toBe(0);

    const boot = { path: image, offsetBytes: layout.boot.offsetBytes };
    expect((await listFat(boot, '/')).sort()).toEqual(
      [
        '/bcm2711-rpi-4-b.dtb',
        '/cmdline.txt',
        '/config.txt',
        '/fixup4.dat',
        '/initrd.img',
        '/start4.elf',
        '/vmlinuz',
      ].sort(),
    );
    expect(String(await readFat(boot, '/vmlinuz'))).toBe('kernel image');
    expect(String(await readFat(boot, '/cmdline.txt'))).toContain(
      `root=PARTUUID=${partUuid(layout, 2)} `,
    );

    const root = { path: image, offsetBytes: layout.root.offsetBytes };
    const fstab = String(await readExt4(root, '/etc/fstab'));
    expect(fstab).toContain(`PARTUUID=${partUuid(layout, 2)}  /  `);
    expect(fstab).toContain(`PARTUUID=${partUuid(layout, 1)}  /boot/firmware  vfat`);
    expect(String(await readExt4(root, '/etc/hostname'))).toBe('armada\n');
    expect(String(await readExt4(root, '/etc/os-release'))).toBe('ID=debian\n');
    // The root's kernel and initramfs are links to the boot partition's copies (slim.json).
    const link = debugfsStat(image, layout.root.offsetBytes, `/boot/vmlinuz-${kernel}`);
    expect(link).toMatch(/Type: symlink/);
    expect(link).toContain('Fast link dest: "firmware/vmlinuz"');
    expect(debugfsStat(image, layout.root.offsetBytes, `/boot/initrd.img-${kernel}`)).toContain(
      'Fast link dest: "firmware/initrd.img"',
    );
    expect(ctx.bootLinks).toEqual({ files: 2, bytes: 'kernel image'.length + 'initramfs'.length });

    // Every inode stamped with SOURCE_DATE_EPOCH (mtime clamped; ctime and atime by debugfs).
    const stat = debugfsStat(image, layout.root.offsetBytes, '/etc/os-release');
    for (const field of ['ctime', 'atime', 'mtime'])
      expect(stat).toMatch(new RegExp(`${field}: 0x${epoch.toString(16)}:`));
    // A clean filesystem (e2fsck exits non-zero on any problem; -n changes nothing).
    execFileSync('e2fsck', ['-fn', `${image}?offset=${layout.root.offsetBytes}`], {
      stdio: 'ignore',
    });
    // fsck.vfat has no offset option here: check a sparse copy of the partition.
    const bootCopy = join(ctx.workDir!, 'boot-partition.img');
    const MiB = 1 << 20;
    execFileSync('dd', [
      `if=${image}`,
      `of=${bootCopy}`,
      `bs=${MiB}`,
      `skip=${layout.boot.offsetBytes / MiB}`,
      `count=${layout.boot.sizeBytes / MiB}`,
      'conv=sparse',
      'status=none',
    ]);
    execFileSync('fsck.vfat', ['-n', bootCopy], { stdio: 'ignore' });
  });

  it('gives the same bytes for the same inputs (reproducible)', async () => {
    const sha = async (dir: string) => {
      const ctx = await assemble(dir);
      return createHash('sha256')
        .update(await readFile(ctx.imagePath!))
        .digest('hex');
    };
    const a = await sha(await suiteTempDir('armada-assemble-a-'));
    const b = await sha(await suiteTempDir('armada-assemble-b-'));
    expect(a).toBe(b);
  });

  it("keeps the root filesystem's kernel and initramfs as files with --no-slim", async () => {
    const ctx = await assemble(await suiteTempDir('armada-assemble-noslim-'), {}, { slim: false });
    const stat = debugfsStat(
      ctx.imagePath!,
      ctx.layout!.root.offsetBytes,
      `/boot/vmlinuz-${kernel}`,
    );
    expect(stat).toMatch(/Type: regular/);
    expect(ctx.bootLinks).toBeUndefined();
  });

  it('copies the Pi device trees of an armhf kernel that installs them flat (bookworm armmp)', async () => {
    const armmp = '6.1.0-99-armmp';
    const ctx = await assemble(
      await suiteTempDir('armada-assemble-armhf-'),
      {
        [`boot/vmlinuz-${armmp}`]: 'armhf kernel image',
        [`boot/initrd.img-${armmp}`]: 'armhf initramfs',
        [`usr/lib/linux-image-${armmp}/bcm2837-rpi-3-b.dtb`]: 'flat device tree',
        [`usr/lib/linux-image-${armmp}/bcm2711-rpi-4-b.dtb`]: 'flat device tree 4',
        [`usr/lib/linux-image-${armmp}/armada-388-clearfog.dtb`]: 'not a Pi',
      },
      { arch: 'armhf', suite: 'bookworm' },
    );
    const boot = { path: ctx.imagePath!, offsetBytes: ctx.layout!.boot.offsetBytes };
    const names = await listFat(boot, '/');
    expect(names.filter((n) => n.endsWith('.dtb')).sort()).toEqual([
      '/bcm2711-rpi-4-b.dtb',
      '/bcm2837-rpi-3-b.dtb',
    ]);
    expect(String(await readFat(boot, '/bcm2837-rpi-3-b.dtb'))).toBe('flat device tree');
    expect(String(await readFat(boot, '/vmlinuz'))).toBe('armhf kernel image');
  });

  it('names what is missing from the root filesystem', async () => {
    const dir = await suiteTempDir('armada-assemble-bad-');
    const rootfsDir = join(dir, 'rootfs');
    await mkdir(join(rootfsDir, 'boot'), { recursive: true });
    const o = resolveBuildOptions({ cacheDir: join(dir, 'cache'), name: 'bad' });
    const ctx: BuildContext = { timings: {}, rootfsDir, workDir: dir, stageKey: 'x' };
    await expect(runSteps([assembleImage(o, new Date())], ctx)).rejects.toThrow(
      /no kernel in \/boot; include a kernel package/,
    );
  });
});
