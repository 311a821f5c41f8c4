import { execFileSync } from 'node:child_process';
import { open, writeFile, copyFile, truncate, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { BadBaseError, BaseKernelError } from '../../../src/base/errors.js';
import { obtainBase, unpackBase } from '../../../src/base/open-base.js';
import { readBase } from '../../../src/base/read-base.js';
import { ChecksumMismatchError, exitCodeOf } from '../../../src/errors.js';
import { sha256OfFile } from '../../../src/source/checksum.js';
import { defaultKernels, makeStandIn, trimmedConfig } from '../../helpers/base-image.js';
import { disableOptions } from '../../helpers/kernel-packages.js';
import { describeNeeds, toolsReason } from '../../helpers/needs.js';
import { suiteTempDir } from '../../helpers/tmp.js';

/** obtain → unpack → read, as `build --base` does before it changes anything. */
async function open_(base: string, work: string, sha256?: string) {
  const src = await obtainBase({ base, ...(sha256 ? { sha256 } : {}) });
  const unpacked = await unpackBase(src, work);
  return { src, unpacked, read: await readBase(base, unpacked.image) };
}

describeNeeds(
  {
    unless: toolsReason('sfdisk', 'mkfs.vfat', 'mcopy', 'mke2fs', 'debugfs', 'xz', 'zip'),
  },
  'reading a Raspberry Pi OS base without mounting',
  () => {
    let dir: string;
    let sysMods: string;
    let cloudInit: string;
    beforeAll(async () => {
      dir = await suiteTempDir('armada-base-');
      sysMods = (await makeStandIn(dir, { style: 'sys-mods' })).img;
      cloudInit = (await makeStandIn(dir, { style: 'cloud-init' })).img;
    });

    it('sys-mods stand-in: style, per-family kernels, changes; the base file is left as it was', async () => {
      const before = await sha256OfFile(sysMods);
      const { src, unpacked, read } = await open_(sysMods, dir);
      expect(src.sha256).toBe(before);
      expect(unpacked.image).toBe(sysMods);
      expect(read.arch).toBe('arm64');
      expect(read.root.fs.label).toBe('rootfs');
      expect(read.plan.detection.style).toBe('sys-mods');
      expect(read.kernels).toEqual([
        expect.objectContaining({
          file: 'kernel8.img',
          family: 'v8',
          release: '6.6.62+rpt-rpi-v8',
          configFile: 'p2:/usr/lib/modules/6.6.62+rpt-rpi-v8/kernel/kernel/configs.ko',
          ok: true,
        }),
        expect.objectContaining({
          file: 'kernel_2712.img',
          family: '2712',
          configFile: 'p2:/boot/config-6.6.62+rpt-rpi-2712',
          ok: true,
        }),
      ]);
      expect(read.plan.changes.map((c) => c.path)).toEqual(
        expect.arrayContaining(['/cmdline.txt', '/userconf.txt', '/etc/shadow']),
      );
      expect(read.plan.cmdline.text).toContain('cgroup_enable=memory cgroup_memory=1');
      expect(read.plan.cmdline.text).not.toContain('init=');
      expect(await sha256OfFile(sysMods)).toBe(before);
    });

    it('cloud-init stand-in as .img.xz and as .zip', async () => {
      execFileSync('xz', ['-k', '-T0', '-0', cloudInit]);
      const xz = await open_(`${cloudInit}.xz`, dir);
      expect(xz.unpacked.format).toBe('xz');
      expect(xz.read.plan.detection.style).toBe('cloud-init');
      expect(xz.read.plan.takeover.deleteBootFiles.sort()).toEqual([
        'meta-data',
        'network-config',
        'user-data',
      ]);
      const zip = join(dir, 'cloud.zip');
      execFileSync('zip', ['-q', '-j', zip, cloudInit]);
      const z = await open_(zip, join(dir));
      expect(z.unpacked.format).toBe('zip');
      expect(await sha256OfFile(z.unpacked.image)).toBe(await sha256OfFile(cloudInit));
    });

    it('checks --sha256 and a .sha256 beside the file; a mismatch is exit 3', async () => {
      const good = await sha256OfFile(sysMods);
      await expect(open_(sysMods, dir, good)).resolves.toBeTruthy();
      const wrong = '0'.repeat(64);
      const e1 = await open_(sysMods, dir, wrong).catch((e: unknown) => e);
      expect(e1).toBeInstanceOf(ChecksumMismatchError);
      expect(exitCodeOf(e1)).toBe(3);
      const copy = join(dir, 'beside.img');
      await copyFile(sysMods, copy);
      await writeFile(`${copy}.sha256`, `${wrong}  beside.img\n`);
      const e2 = await open_(copy, dir).catch((e: unknown) => e);
      expect(e2).toBeInstanceOf(ChecksumMismatchError);
      expect((e2 as Error).message).toContain('beside.img.sha256');
      await writeFile(`${copy}.sha256`, `${good}  beside.img\n`);
      expect((await open_(copy, dir)).src.checkedAgainst).toBe(`${copy}.sha256`);
    });

    it('refuses a file that is not a disk image', async () => {
      const junk = join(dir, 'junk.img');
      await writeFile(junk, Buffer.alloc(1 << 20, 7));
      const e = await open_(junk, dir).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(BadBaseError);
      expect((e as Error).message).toMatch(/not a disk image/);
      expect(exitCodeOf(e)).toBe(1);
    });

    it('refuses an image without an ext4 root', async () => {
      const img = join(dir, 'noroot.img');
      await copyFile(sysMods, img);
      const fh = await open(img, 'r+');
      // The ext4 superblock (1 KiB into the partition) wiped: p2 is no filesystem any more.
      await fh.write(Buffer.alloc(4096), 0, 4096, 68 * 1024 * 1024);
      await fh.close();
      const e = await open_(img, dir).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(BadBaseError);
      expect((e as Error).message).toMatch(/no ext4 root filesystem/);
      expect((e as BadBaseError).details.join()).toMatch(/p1 fat, p2 unknown/);
    });

    it('refuses an image with a partition after the root (it could not grow into it)', async () => {
      const img = join(dir, 'three.img');
      await copyFile(sysMods, img);
      await truncate(img, (await stat(img)).size + 16 * 1024 * 1024);
      execFileSync('sfdisk', ['--quiet', '--append', '--no-reread', '--no-tell-kernel', img], {
        input: ', 8MiB, 83\n',
      });
      const e = await open_(img, dir).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(BadBaseError);
      expect((e as Error).message).toMatch(/two partitions .*; this one also has p3$/);
    });

    it('refuses a truncated .xz and a truncated zip', async () => {
      const xz = join(dir, 'cut.img.xz');
      await copyFile(`${cloudInit}.xz`, xz);
      await truncate(xz, Math.floor((await stat(xz)).size / 2));
      const e = await open_(xz, dir).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(BadBaseError);
      expect((e as Error).message).toMatch(/xz archive is truncated or corrupt/);
      const zip = join(dir, 'cut.zip');
      await copyFile(join(dir, 'cloud.zip'), zip);
      await truncate(zip, Math.floor((await stat(zip)).size / 2));
      const z = await open_(zip, dir).catch((x: unknown) => x);
      expect(z).toBeInstanceOf(BadBaseError);
      expect((z as Error).message).toMatch(/zip archive is truncated or corrupt/);
    });

    it('refuses a kernel without overlayfs, naming its family and the option (exit 3)', async () => {
      const [v8, pi5] = await defaultKernels();
      const img = (
        await makeStandIn(dir, {
          style: 'none',
          name: 'no-overlay',
          kernels: [{ ...v8, config: disableOptions(await trimmedConfig(), ['OVERLAY_FS']) }, pi5],
        })
      ).img;
      const e = await open_(img, dir).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(BaseKernelError);
      expect(exitCodeOf(e)).toBe(3);
      expect((e as BaseKernelError).message).toMatch(/1 of 2 kernels cannot run Docker/);
      expect((e as BaseKernelError).details).toEqual([
        'kernel8.img (Pi 3, 4, 400, CM4, Zero 2 W (64-bit), 6.6.62+rpt-rpi-v8): missing CONFIG_OVERLAY_FS',
      ]);
      const allowed = await readBase(img, img, { allowMissingKernelOptions: true });
      expect(allowed.kernels.map((k) => k.ok)).toEqual([false, true]);
    });

    it('refuses a kernel file whose family has no config in the root filesystem', async () => {
      const img = (
        await makeStandIn(dir, {
          style: 'none',
          name: 'orphan',
          fat: { 'kernel7l.img': Buffer.alloc(1024, 1) },
        })
      ).img;
      const e = await open_(img, dir).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(BaseKernelError);
      expect((e as BaseKernelError).details[0]).toMatch(
        /^kernel7l.img \(Pi 4, 400, CM4 \(32-bit\)\): no kernel release in the root filesystem belongs to kernel7l.img/,
      );
    });
  },
);
