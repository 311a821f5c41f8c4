/**
 * The image, made as files without loop mounts: a sparse image file, the partition table by
 * sfdisk, FAT32 by mkfs.vfat --offset + mcopy, ext4 by mke2fs -d -E offset. Regions no
 * filesystem writes stay holes, which is what the .bmap maps out.
 */
import {
  chmod,
  copyFile,
  lstat,
  mkdir,
  open,
  readdir,
  rm,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Step } from '../../progress.js';
import { run } from '../../exec.js';
import { UserError } from '../../errors.js';
import { produced, type BuildContext } from '../context.js';
import type { BuildOptions } from '../options.js';
import {
  bootInitrd,
  bootKernel,
  clampTimesScript,
  cmdlineTxt,
  configTxt,
  deviceTreeDirs,
  fstab,
  isBootFirmware,
  isPiDeviceTree,
  mcopyBootCommand,
  mke2fsRootCommand,
  mkfsBootCommand,
  planLayout,
  sfdiskCommand,
  sfdiskScript,
  type Layout,
} from '../../image/plan-image.js';
import { debugfsErrors, debugfsScriptCommand } from '../../image/debugfs.js';
import { hostsFile } from '../plan-identity.js';
import { bootLinks } from '../plan-slim.js';
import { contentSize } from '../content-size.js';
import { unlessMissing } from '../../fs-errors.js';
import { formatBinary } from '../../format-bytes.js';

/** The newest installed kernel version, from /boot/vmlinuz-<version>. */
export async function kernelVersion(rootfs: string): Promise<string> {
  const names = (await readdir(join(rootfs, 'boot'))).filter((n) => n.startsWith('vmlinuz-'));
  const versions = names
    .map((n) => n.slice('vmlinuz-'.length))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const v = versions.at(-1);
  if (!v)
    throw new UserError(
      'the root filesystem has no kernel in /boot; include a kernel package (e.g. linux-image-arm64)',
    );
  return v;
}

/** A directory's names; none when it does not exist (a package layout without it). */
function namesIn(dir: string): Promise<string[]> {
  return unlessMissing(readdir(dir), []);
}

/** Every path below `dir` (directories before their content), symlinks not followed. */
async function walk(dir: string, root = dir, out: string[] = []): Promise<string[]> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    out.push(relative(root, path));
    if (e.isDirectory()) await walk(path, root, out);
  }
  return out;
}

async function clampTimes(
  image: string,
  offsetBytes: number,
  rootfs: string,
  scriptPath: string,
  epoch: number,
): Promise<void> {
  await writeFile(scriptPath, clampTimesScript((await walk(rootfs)).sort(), epoch));
  // The fake time also stamps the superblock's write time when debugfs closes the filesystem.
  const env = { E2FSPROGS_FAKE_TIME: String(epoch) };
  const r = await run(debugfsScriptCommand(image, offsetBytes, scriptPath), { env });
  const errors = debugfsErrors(r.stderr);
  if (errors.length)
    throw new Error(`debugfs could not stamp inode times: ${errors.slice(0, 3).join('; ')}`);
}

/** The kernel and initramfs onto the boot partition's staging directory. */
async function copyKernel(rootfs: string, bootDir: string, version: string): Promise<void> {
  await mkdir(bootDir, { recursive: true });
  await copyFile(join(rootfs, `boot/vmlinuz-${version}`), join(bootDir, bootKernel));
  await copyFile(join(rootfs, `boot/initrd.img-${version}`), join(bootDir, bootInitrd)).catch(
    () => {
      throw new UserError(
        `no initramfs for kernel ${version}; the bootstrap's update-initramfs step failed`,
      );
    },
  );
}

/** The root's copies of what the boot partition holds, replaced by links to it (slim.json). */
async function linkBootCopies(
  rootfs: string,
  version: string,
): Promise<{ files: number; bytes: number }> {
  const linked = { files: 0, bytes: 0 };
  for (const l of bootLinks(version)) {
    const path = join(rootfs, l.path);
    linked.bytes += (await lstat(path)).size;
    await rm(path);
    await symlink(l.target, path);
    linked.files++;
  }
  return linked;
}

async function prepareBootDir(
  rootfs: string,
  bootDir: string,
  version: string,
  o: BuildOptions,
  layout: Layout,
  mtime: Date,
): Promise<string[]> {
  await mkdir(bootDir, { recursive: true });
  const fw = join(rootfs, 'usr/lib/raspi-firmware');
  const firmware = (await namesIn(fw)).filter(isBootFirmware);
  if (!firmware.includes('start4.elf') && !firmware.includes('start.elf'))
    throw new UserError(
      'no Raspberry Pi firmware in the root filesystem; include raspi-firmware (component non-free-firmware)',
    );
  for (const f of firmware) await copyFile(join(fw, f), join(bootDir, f));
  const copied = new Set<string>();
  for (const dir of deviceTreeDirs(version).map((d) => join(rootfs, d)))
    for (const f of (await namesIn(dir)).filter(isPiDeviceTree)) {
      if (copied.has(f)) continue;
      await copyFile(join(dir, f), join(bootDir, f));
      copied.add(f);
    }
  const cfg = { layout, arch: o.arch };
  await writeFile(join(bootDir, 'config.txt'), configTxt(cfg));
  await writeFile(join(bootDir, 'cmdline.txt'), cmdlineTxt(cfg));
  const names = (await readdir(bootDir)).sort();
  for (const n of names) await utimes(join(bootDir, n), mtime, mtime);
  return names.map((n) => join(bootDir, n));
}

export function assembleImage(o: BuildOptions, buildTime: Date): Step<BuildContext> {
  return {
    name: 'assemble-image',
    title: 'Assemble the image (MBR, FAT32 bootfs, ext4 rootfs)',
    run: async (ctx, report) => {
      const rootfs = produced(ctx, 'rootfsDir');
      const version = await kernelVersion(rootfs);
      const seed = JSON.stringify({
        key: ctx.stageKey,
        name: o.name,
        insecure: o.insecureTcp,
        v: o.armadaVersion,
      });
      const bootDir = join(produced(ctx, 'workDir'), 'boot');
      await copyKernel(rootfs, bootDir, version);
      if (o.slim) ctx.bootLinks = await linkBootCopies(rootfs, version);
      // Size first from the content, then write the files whose content depends on the layout.
      const size = await contentSize(rootfs);
      const layout = planLayout({
        seed,
        bootSizeMiB: o.bootSizeMiB,
        rootContentBytes: size.bytes,
        rootInodes: size.inodes,
        headroomMiB: o.headroomMiB,
      });
      await writeFile(join(rootfs, 'etc/fstab'), fstab(layout));
      await writeFile(join(rootfs, 'etc/hostname'), 'armada\n');
      await writeFile(join(rootfs, 'etc/hosts'), hostsFile('armada'));
      // mmdebstrap copies these from the build host, mode and all.
      await chmod(join(rootfs, 'etc/hostname'), 0o644);
      await chmod(join(rootfs, 'etc/hosts'), 0o644);
      if (o.sourceDateEpoch) {
        // Clamp every mtime so the same packages give the same bytes.
        await run([
          'find',
          [
            rootfs,
            '-xdev',
            '-newermt',
            `@${o.sourceDateEpoch}`,
            '-exec',
            'touch',
            '--no-dereference',
            `--date=@${o.sourceDateEpoch}`,
            '{}',
            '+',
          ],
        ]);
      }
      const bootFiles = await prepareBootDir(rootfs, bootDir, version, o, layout, buildTime);
      const image = join(produced(ctx, 'workDir'), `${o.name}.img`);
      const fh = await open(image, 'w');
      await fh.truncate(layout.totalBytes);
      await fh.close();
      const env = {
        ...(o.sourceDateEpoch
          ? {
              SOURCE_DATE_EPOCH: String(o.sourceDateEpoch),
              E2FSPROGS_FAKE_TIME: String(o.sourceDateEpoch),
            }
          : {}),
        MTOOLS_SKIP_CHECK: '1',
      };
      report.status('partition table');
      await run(sfdiskCommand(image), { input: sfdiskScript(layout) });
      report.status('FAT32 bootfs');
      await run(mkfsBootCommand(image, layout), { env });
      await run(mcopyBootCommand(image, layout, bootFiles), { env });
      report.status('ext4 rootfs');
      await run(mke2fsRootCommand(image, layout, rootfs), { env });
      if (o.sourceDateEpoch)
        await clampTimes(
          image,
          layout.root.offsetBytes,
          rootfs,
          join(produced(ctx, 'workDir'), 'times.debugfs'),
          o.sourceDateEpoch,
        );
      ctx.layout = layout;
      ctx.imagePath = image;
      report.title(
        `Assemble the image (${formatBinary(layout.totalBytes, 'size')}, kernel ${version})`,
      );
    },
  };
}
