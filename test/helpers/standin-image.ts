/**
 * Bootable stand-ins for Raspberry Pi OS Lite (arm64), one per first-boot style: no Raspberry Pi
 * OS image can be downloaded on these machines, so they are made from Debian packages with
 * armada's own bootstrap (mmdebstrap, the shared package cache) and shaped like the releases: MBR,
 * FAT `bootfs` with the firmware, kernel8.img + initramfs8, the Pi device trees, config.txt and a
 * cmdline.txt carrying the style's markers; ext4 `rootfs` with user `pi` (password `raspberry`),
 * SSH host keys, a machine-id, and the style's files (raspberrypi-sys-mods' firstboot hook and
 * userconf.txt; cloud-init's config and NoCloud files). Cached under ~/.cache/armada/standins/.
 * What differs from the real images: Debian's kernel (release `…+deb13-arm64`) instead of the
 * Raspberry Pi kernels, no Raspberry Pi archive, and the first-boot programs are markers only.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  appendFile,
  copyFile,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir } from '../../src/cache/dir.js';
import { cachePath } from '../../src/cache/layout.js';
import { mmdebstrapCommand } from '../../src/build/plan-bootstrap.js';
import { safeRemoveTree } from '../../src/safe-remove.js';
import { initramfsModules } from '../../src/build/initramfs.js';
import {
  deriveIds,
  deviceTreeDirs,
  isBootFirmware,
  isPiDeviceTree,
  mke2fsRootCommand,
  planLayout,
  sfdiskScript,
} from '../../src/image/plan-image.js';
import { sha512Crypt } from '../../src/seed/sha512-crypt.js';
import type { StandInStyle } from './base-image.js';
import { standInCmdline } from './base-image.js';

/** Raspberry Pi OS Lite's packages that Debian has too (no Docker: the base must not have it). */
export const standInPackages = [
  'linux-image-arm64',
  'raspi-firmware',
  'initramfs-tools',
  'zstd',
  'systemd-sysv',
  'systemd-timesyncd',
  'udev',
  'dbus',
  'kmod',
  'iproute2',
  'iputils-ping',
  'netbase',
  'ca-certificates',
  'openssh-server',
  'sudo',
  'locales',
  'tzdata',
  'less',
  'e2fsprogs',
  'dosfstools',
];

const recipe = 1;
const armadaCache = cacheDir({ ARMADA_CACHE_DIR: process.env.ARMADA_CACHE_DIR });
const cacheRoot = cachePath(armadaCache, 'standins');

function sh(
  file: string,
  args: readonly string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv } = {},
) {
  return execFileSync(file, [...args], {
    input: opts.input,
    env: { ...process.env, ...opts.env },
    maxBuffer: 64 << 20,
    stdio: ['pipe', 'pipe', 'inherit'],
    timeout: 60 * 60_000,
  }).toString();
}

function key(): string {
  return createHash('sha256')
    .update(JSON.stringify({ recipe, standInPackages, m: initramfsModules() }))
    .digest('hex')
    .slice(0, 12);
}

/** The Debian root filesystem all styles share (bootstrapped once, then cached). */
async function sharedRootfs(dir: string): Promise<string> {
  const rootfs = join(dir, 'rootfs');
  if (existsSync(join(dir, 'rootfs.complete'))) return rootfs;
  // An interrupted mmdebstrap may leave /dev or /proc mounted inside: never a plain rm -rf.
  await safeRemoveTree(rootfs);
  await mkdir(dir, { recursive: true });
  const cmd = mmdebstrapCommand({
    arch: 'arm64',
    suite: 'trixie',
    mirrorLines: [],
    components: ['main', 'non-free-firmware'],
    packages: standInPackages,
    targetDir: rootfs,
    aptCacheDir: cachePath(armadaCache, 'apt', 'arm64'),
    initramfsModules: initramfsModules(),
  });
  sh(cmd[0], cmd[1]);
  await writeFile(join(dir, 'rootfs.complete'), new Date().toISOString());
  return rootfs;
}

const passwordHash = () => sha512Crypt('raspberry', 'standinsalt');

/** Raspberry Pi OS's shape, on a copy of the shared root. */
async function shapeRoot(root: string, style: StandInStyle, diskId: string): Promise<void> {
  await appendFile(join(root, 'etc/passwd'), 'pi:x:1000:1000:,,,:/home/pi:/bin/bash\n');
  await appendFile(join(root, 'etc/shadow'), `pi:${passwordHash()}:20000:0:99999:7:::\n`);
  await appendFile(join(root, 'etc/group'), 'pi:x:1000:\n');
  const group = await readFile(join(root, 'etc/group'), 'utf8');
  await writeFile(
    join(root, 'etc/group'),
    group.replace(/^(sudo:x:27:)(.*)$/m, (_, a, b) => `${a}${b ? `${b},` : ''}pi`),
  );
  await mkdir(join(root, 'home/pi'), { recursive: true });
  sh('chown', ['1000:1000', join(root, 'home/pi')]);
  await writeFile(join(root, 'etc/hostname'), 'raspberrypi\n');
  await writeFile(join(root, 'etc/machine-id'), 'ab'.repeat(16) + '\n');
  await writeFile(
    join(root, 'etc/fstab'),
    `proc /proc proc defaults 0 0\nPARTUUID=${diskId}-01 /boot/firmware vfat defaults 0 2\nPARTUUID=${diskId}-02 / ext4 defaults,noatime 0 1\n`,
  );
  await mkdir(join(root, 'boot/firmware'), { recursive: true });
  if (style === 'sys-mods') {
    const hook = join(root, 'usr/lib/raspberrypi-sys-mods/firstboot');
    await mkdir(join(root, 'usr/lib/raspberrypi-sys-mods'), { recursive: true });
    // The real one resizes the root and reboots; the stand-in only shows that it ran.
    await writeFile(
      hook,
      '#!/bin/sh\necho "stand-in raspberrypi-sys-mods firstboot ran" >/dev/kmsg\nexec /sbin/init\n',
      { mode: 0o755 },
    );
  }
  if (style === 'cloud-init') {
    await mkdir(join(root, 'etc/cloud'), { recursive: true });
    await writeFile(
      join(root, 'etc/cloud/cloud.cfg'),
      'datasource_list: [ NoCloud ]\nusers: [default]\n',
    );
    // The real one runs from units that honour its documented off switches; the stand-in's unit
    // honours the same two and only shows that it ran.
    await writeFile(
      join(root, 'usr/bin/cloud-init'),
      '#!/bin/sh\necho "stand-in cloud-init ran" >/dev/kmsg\n',
      { mode: 0o755 },
    );
    await writeFile(
      join(root, 'usr/lib/systemd/system/cloud-init.service'),
      '[Unit]\nDescription=Stand-in for cloud-init\nConditionPathExists=!/etc/cloud/cloud-init.disabled\nConditionKernelCommandLine=!cloud-init=disabled\n\n[Service]\nType=oneshot\nExecStart=/usr/bin/cloud-init\n\n[Install]\nWantedBy=multi-user.target\n',
    );
    await symlink(
      '/usr/lib/systemd/system/cloud-init.service',
      join(root, 'etc/systemd/system/multi-user.target.wants/cloud-init.service'),
    );
  }
}

async function bootFiles(root: string, staging: string, style: StandInStyle, diskId: string) {
  await mkdir(staging, { recursive: true });
  const version = (await readdir(join(root, 'boot')))
    .filter((n) => n.startsWith('vmlinuz-'))
    .map((n) => n.slice('vmlinuz-'.length))
    .sort()
    .at(-1)!;
  const fw = join(root, 'usr/lib/raspi-firmware');
  for (const f of (await readdir(fw)).filter(isBootFirmware))
    await copyFile(join(fw, f), join(staging, f));
  for (const d of deviceTreeDirs(version).map((x) => join(root, x)))
    for (const f of (await readdir(d).catch(() => [] as string[])).filter(isPiDeviceTree))
      if (!existsSync(join(staging, f))) await copyFile(join(d, f), join(staging, f));
  await copyFile(join(root, `boot/vmlinuz-${version}`), join(staging, 'kernel8.img'));
  await copyFile(join(root, `boot/initrd.img-${version}`), join(staging, 'initramfs8'));
  await writeFile(
    join(staging, 'config.txt'),
    '# Stand-in of Raspberry Pi OS Lite\ndtparam=audio=on\ncamera_auto_detect=1\ndisplay_auto_detect=1\nauto_initramfs=1\ndtoverlay=vc4-kms-v3d\nmax_framebuffers=2\ndisable_fw_kms_setup=1\narm_64bit=1\ndisable_overscan=1\narm_boost=1\n\n[all]\nenable_uart=1\n',
  );
  await writeFile(join(staging, 'cmdline.txt'), standInCmdline(style, diskId));
  if (style === 'sys-mods')
    await writeFile(join(staging, 'userconf.txt'), `pi:${passwordHash()}\n`);
  if (style === 'cloud-init') {
    await writeFile(join(staging, 'user-data'), '#cloud-config\nhostname: raspberrypi\n');
    await writeFile(join(staging, 'meta-data'), 'instance-id: rpios-image\n');
    await writeFile(join(staging, 'network-config'), 'network:\n  version: 2\n');
  }
}

/** A stand-in image for `style` (cached); returns its path. Needs root and qemu-user (binfmt). */
export async function ensureStandIn(style: StandInStyle): Promise<string> {
  const dir = join(cacheRoot, key());
  // Named by the code that shapes it, so a change to the shaping makes a new image.
  const shape = createHash('sha256')
    .update(`${shapeRoot.toString()}${bootFiles.toString()}${standInCmdline(style, '0')}`)
    .digest('hex')
    .slice(0, 8);
  const img = join(dir, `${style}-${shape}.img`);
  if (existsSync(img)) return img;
  for (const old of (await readdir(dir).catch(() => [] as string[])).filter(
    (n) => n.startsWith(`${style}`) && n.endsWith('.img'),
  ))
    await rm(join(dir, old), { force: true });
  const shared = await sharedRootfs(dir);
  const work = join(dir, `${style}.work`);
  await rm(work, { recursive: true, force: true });
  try {
    const root = join(work, 'rootfs');
    await mkdir(work, { recursive: true });
    sh('cp', ['-a', '--reflink=auto', shared, root]);
    const ids = deriveIds(`stand-in ${style}`);
    await shapeRoot(root, style, ids.diskId);
    const bytes = Number(sh('du', ['-sx', '--block-size=1', root]).split(/\s/)[0]);
    const inodes = Number(sh('du', ['-sx', '--inodes', root]).split(/\s/)[0]);
    const layout = {
      ...planLayout({
        seed: `stand-in ${style}`,
        bootSizeMiB: 256,
        rootContentBytes: bytes,
        rootInodes: inodes,
        headroomMiB: 64,
      }),
      ...ids,
    };
    const staging = join(work, 'boot');
    await bootFiles(root, staging, style, ids.diskId);
    const partial = `${img}.partial`;
    sh('truncate', ['-s', String(layout.totalBytes), partial]);
    sh('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', partial], {
      input: sfdiskScript(layout),
    });
    sh('mkfs.vfat', [
      '-F',
      '32',
      '-s',
      '2',
      '-n',
      'bootfs',
      `--offset=${layout.boot.offsetBytes / 512}`,
      partial,
      String(layout.boot.sizeBytes / 1024),
    ]);
    const names = (await readdir(staging)).map((n) => join(staging, n));
    sh('mcopy', ['-i', `${partial}@@${layout.boot.offsetBytes}`, ...names, '::/'], {
      env: { MTOOLS_SKIP_CHECK: '1' },
    });
    const mke2fs = mke2fsRootCommand(partial, layout, root);
    sh(mke2fs[0], mke2fs[1]);
    await rename(partial, img);
    return img;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
