/**
 * writeDiskImage: the one disk-image builder of the tests (test-image.ts makes the flash tests'
 * image with it). makePiImage: a small image laid out like one `armada build` makes (MBR with
 * armada's sfdisk script, FAT32 bootfs with the boot files assemble-image copies and armada's own
 * config.txt/cmdline.txt, ext4 rootfs with os-release, a dpkg status file and a kernel config),
 * with tiny stand-ins for the firmware and kernel. Options leave boot files out or add a seed,
 * for the boot-file check and `armada inspect`.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import {
  cmdlineTxt,
  configTxt,
  deriveIds,
  sfdiskScript,
  type Layout,
} from '../../src/image/plan-image.js';
import { fakeArm64Image, withVersion } from './kernel-packages.js';

const exec = promisify(execFile);
const MiB = 1 << 20;

export const piImageKernel = '6.12.118+deb13-arm64';

/** What assemble-image copies to the FAT of a trixie image (raspi-firmware + linux-image). */
export const armadaBootFiles = [
  'bootcode.bin',
  'start.elf',
  'fixup.dat',
  'start4.elf',
  'fixup4.dat',
  'bcm2711-rpi-4-b.dtb',
  'bcm2711-rpi-400.dtb',
  'bcm2711-rpi-cm4-io.dtb',
  'bcm2712-rpi-5-b.dtb',
  'bcm2837-rpi-3-a-plus.dtb',
  'bcm2837-rpi-3-b-plus.dtb',
  'bcm2837-rpi-3-b.dtb',
  'bcm2837-rpi-zero-2-w.dtb',
  'vmlinuz',
  'initrd.img',
];

export const dpkgStatus = [
  ['docker.io', '26.1.5+dfsg1-9+deb13u1+b1', 'install ok installed'],
  ['containerd', '1.7.24~ds1-6+deb13u1', 'install ok installed'],
  ['runc', '1.1.15+ds1-2+deb13u1', 'install ok installed'],
  ['docker-compose', '2.26.1-4', 'install ok installed'],
  ['docker-buildx', '0.13.1+ds1-3', 'install ok installed'],
  [`linux-image-${piImageKernel}`, '6.12.118-1', 'install ok installed'],
  // Removed but not purged: must not count as installed.
  ['linux-image-6.12.117+deb13-arm64', '6.12.117-1', 'deinstall ok config-files'],
]
  .map(
    ([name, version, status]) =>
      `Package: ${name}\nStatus: ${status}\nPriority: optional\nArchitecture: arm64\nVersion: ${version}\nDescription: ${name}\n`,
  )
  .join('\n');

export const osRelease = `PRETTY_NAME="Debian GNU/Linux 13 (trixie)"
NAME="Debian GNU/Linux"
VERSION_ID="13"
VERSION="13 (trixie)"
VERSION_CODENAME=trixie
DEBIAN_VERSION_FULL=13.2
ID=debian
`;

export interface PiImageOptions {
  name?: string;
  /** FAT names assemble-image would copy that this image leaves out. */
  omitBoot?: string[];
  /** Extra FAT files (a seed under armada/, a status.json). */
  fat?: Record<string, string | Buffer>;
  /** Root filesystem files that replace or add to the defaults; null removes one. */
  root?: Record<string, string | Buffer | null>;
}

export interface PiImage {
  img: string;
  layout: Layout;
}

/** A partition of a test image: where it starts and how big it is. */
export interface ImagePartition {
  offsetBytes: number;
  sizeBytes: number;
}

/** Everything that differs between the test images: the one builder below makes them all. */
export interface DiskImageSpec {
  totalBytes: number;
  boot: ImagePartition;
  root: ImagePartition;
  /** sfdisk's input for the partition table. */
  table: string;
  /** FAT files by path (subdirectories allowed). */
  fat: Record<string, string | Buffer>;
  /** ext4 files by absolute path. */
  rootFiles: Record<string, string | Buffer>;
  /** ext4 symlinks: path → target. */
  symlinks?: Record<string, string>;
  /** Extra mke2fs -E options, e.g. 'nodiscard'. */
  ext4Options?: string[];
}

/**
 * The one image builder of the tests, as `armada build` makes images: a sparse file, sfdisk,
 * FAT32 by mkfs.vfat --offset + mcopy, ext4 by mke2fs -d -E offset (no loop devices, no mounts).
 */
export async function writeDiskImage(img: string, spec: DiskImageSpec): Promise<void> {
  await mkdir(dirname(img), { recursive: true });
  await rm(img, { force: true });
  await exec('truncate', ['-s', String(spec.totalBytes), img]);
  const sfdisk = execFile('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', img]);
  sfdisk.stdin!.end(spec.table);
  await new Promise<void>((resolve, reject) =>
    sfdisk.on('exit', (c) => (c === 0 ? resolve() : reject(new Error(`sfdisk exit ${c}`)))),
  );
  await exec('mkfs.vfat', [
    '-F',
    '32',
    '-n',
    'BOOTFS',
    `--offset=${spec.boot.offsetBytes / 512}`,
    img,
    String(spec.boot.sizeBytes / 1024),
  ]);
  const staging = await mkdtemp(join(dirname(img), 'staging-'));
  try {
    const boot = join(staging, 'boot');
    await mkdir(boot);
    for (const [path, content] of Object.entries(spec.fat)) {
      await mkdir(dirname(join(boot, path)), { recursive: true });
      await writeFile(join(boot, path), content);
    }
    const entries = (await readdir(boot)).map((e) => join(boot, e));
    if (entries.length)
      await exec('mcopy', ['-s', '-i', `${img}@@${spec.boot.offsetBytes}`, ...entries, '::/'], {
        env: { ...process.env, MTOOLS_SKIP_CHECK: '1' },
      });

    const tree = join(staging, 'rootfs');
    await mkdir(tree);
    for (const [path, content] of Object.entries(spec.rootFiles)) {
      await mkdir(dirname(join(tree, path)), { recursive: true });
      await writeFile(join(tree, path), content);
    }
    for (const [path, target] of Object.entries(spec.symlinks ?? {})) {
      await mkdir(dirname(join(tree, path)), { recursive: true });
      await symlink(target, join(tree, path));
    }
    const extended = [`offset=${spec.root.offsetBytes}`, ...(spec.ext4Options ?? [])].join(',');
    await exec('mke2fs', [
      ...['-q', '-F', '-t', 'ext4', '-L', 'rootfs', '-d', tree, '-E', extended],
      img,
      `${spec.root.sizeBytes / 1024}k`,
    ]);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

export async function makePiImage(dir: string, opts: PiImageOptions = {}): Promise<PiImage> {
  const name = opts.name ?? 'pi';
  const layout: Layout = {
    ...deriveIds(`pi-image ${name}`),
    boot: { offsetBytes: 4 * MiB, sizeBytes: 64 * MiB },
    root: { offsetBytes: 68 * MiB, sizeBytes: 48 * MiB },
    totalBytes: 116 * MiB,
  };
  const config = withVersion(
    await readFile(new URL('../fixtures/kernel/config-6.1-arm64-trimmed', import.meta.url), 'utf8'),
    piImageKernel,
  );
  const fat: Record<string, string | Buffer> = {};
  for (const f of armadaBootFiles.filter((f) => !opts.omitBoot?.includes(f)))
    fat[f] = f === 'vmlinuz' ? fakeArm64Image(config) : randomBytes(4096);
  if (!opts.omitBoot?.includes('config.txt'))
    fat['config.txt'] = configTxt({ layout, arch: 'arm64' });
  if (!opts.omitBoot?.includes('cmdline.txt'))
    fat['cmdline.txt'] = cmdlineTxt({ layout, arch: 'arm64' });
  Object.assign(fat, opts.fat);

  const rootFiles: Record<string, string | Buffer | null> = {
    '/usr/lib/os-release': osRelease,
    '/var/lib/dpkg/status': dpkgStatus,
    [`/boot/config-${piImageKernel}`]: config,
    [`/boot/vmlinuz-${piImageKernel}`]: fakeArm64Image(config),
    '/etc/armada/image.env': "ARMADA_VERSION='0.1.0'\nINSECURE_TCP='false'\n",
    '/etc/hostname': 'armada\n',
    '/etc/systemd/system/armada-firstboot.service': '[Unit]\nDescription=armada first boot\n',
    ...opts.root,
  };
  const img = join(dir, `${name}.img`);
  await writeDiskImage(img, {
    ...layout,
    table: sfdiskScript(layout),
    fat,
    rootFiles: Object.fromEntries(
      Object.entries(rootFiles).filter((e): e is [string, string | Buffer] => e[1] !== null),
    ),
    // Debian's /etc/os-release is a relative symlink into /usr/lib.
    symlinks:
      '/etc/os-release' in (opts.root ?? {}) ? {} : { '/etc/os-release': '../usr/lib/os-release' },
  });
  return { img, layout };
}
