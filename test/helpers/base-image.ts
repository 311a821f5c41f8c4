/**
 * Small stand-ins for Raspberry Pi OS images, for reading tests (no real Raspberry Pi OS image can
 * be downloaded on these machines): the published layout (MBR, FAT `bootfs` then ext4 `rootfs`),
 * cmdline.txt with each release's first-boot markers, a user `pi` with password `raspberry`, one
 * kernel file per board family and its config as configs.ko or /boot/config-*. The kernels are
 * tiny fakes around a real Debian config (test/fixtures/kernel); booting stand-ins are made from
 * Debian packages by the e2e helpers.
 */
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { sfdiskScript, deriveIds, type Layout } from '../../src/image/plan-image.js';
import { sha512Crypt } from '../../src/seed/sha512-crypt.js';
import { fakeArm64Image, fakeConfigsKo, withVersion } from './kernel-packages.js';
import { writeDiskImage } from './pi-image.js';

export type StandInStyle = 'sys-mods' | 'cloud-init' | 'none';

const MiB = 1 << 20;

export function standInCmdline(style: StandInStyle, diskId: string): string {
  const common = `console=serial0,115200 console=tty1 root=PARTUUID=${diskId}-02 rootfstype=ext4 fsck.repair=yes rootwait quiet`;
  if (style === 'sys-mods')
    return `${common} init=/usr/lib/raspberrypi-sys-mods/firstboot splash plymouth.ignore-serial-consoles\n`;
  return `${common} splash plymouth.ignore-serial-consoles\n`;
}

export const standInPasswd =
  'root:x:0:0:root:/root:/bin/bash\nsystemd-network:x:998:998::/:/usr/sbin/nologin\npi:x:1000:1000:,,,:/home/pi:/bin/bash\n';

export function standInShadow(): string {
  return `root:*:20000:0:99999:7:::\nsystemd-network:!*:20000::::::\npi:${sha512Crypt('raspberry', 'armadastandin')}:20000:0:99999:7:::\n`;
}

export const standInStatus =
  'Package: base-files\nStatus: install ok installed\nArchitecture: arm64\nVersion: 13.8\n\nPackage: bash\nStatus: install ok installed\nArchitecture: arm64\nVersion: 5.2.37-2\n';

export interface StandInOptions {
  style: StandInStyle;
  /** Kernel config text per release; default: v8 as configs.ko, 2712 as /boot/config-. */
  kernels?: { file: string; release: string; config: string; as: 'configs.ko' | 'boot-config' }[];
  /** Root files added or replaced. */
  root?: Record<string, string | Buffer>;
  fat?: Record<string, string | Buffer>;
  name?: string;
}

export async function trimmedConfig(): Promise<string> {
  return readFile(new URL('../fixtures/kernel/config-6.1-arm64-trimmed', import.meta.url), 'utf8');
}

export async function defaultKernels(): Promise<NonNullable<StandInOptions['kernels']>> {
  const config = await trimmedConfig();
  return [
    { file: 'kernel8.img', release: '6.6.62+rpt-rpi-v8', config, as: 'configs.ko' },
    { file: 'kernel_2712.img', release: '6.6.62+rpt-rpi-2712', config, as: 'boot-config' },
  ];
}

export async function makeStandIn(
  dir: string,
  opts: StandInOptions,
): Promise<{ img: string; layout: Layout }> {
  const layout: Layout = {
    ...deriveIds(`stand-in ${opts.name ?? opts.style}`),
    boot: { offsetBytes: 4 * MiB, sizeBytes: 64 * MiB },
    root: { offsetBytes: 68 * MiB, sizeBytes: 48 * MiB },
    totalBytes: 116 * MiB,
  };
  const kernels = opts.kernels ?? (await defaultKernels());
  const fat: Record<string, string | Buffer> = {
    'bootcode.bin': randomBytes(1024),
    'start4.elf': randomBytes(4096),
    'fixup4.dat': randomBytes(1024),
    'bcm2711-rpi-4-b.dtb': randomBytes(2048),
    'config.txt': '[all]\narm_64bit=1\ndtparam=audio=on\n',
    'cmdline.txt': standInCmdline(opts.style, layout.diskId),
    ...(opts.style === 'sys-mods'
      ? { 'userconf.txt': `pi:${sha512Crypt('raspberry', 'x')}\n` }
      : {}),
    ...(opts.style === 'cloud-init'
      ? {
          'user-data': '#cloud-config\nhostname: raspberrypi\n',
          'meta-data': 'instance-id: rpios-image\n',
          'network-config': 'network:\n  version: 2\n',
        }
      : {}),
    ...opts.fat,
  };
  const rootFiles: Record<string, string | Buffer> = {
    '/etc/passwd': standInPasswd,
    '/etc/shadow': standInShadow(),
    '/var/lib/dpkg/status': standInStatus,
    '/etc/hostname': 'raspberrypi\n',
    ...(opts.style === 'sys-mods'
      ? { '/usr/lib/raspberrypi-sys-mods/firstboot': '#!/bin/sh\n' }
      : {}),
    ...(opts.style === 'cloud-init'
      ? { '/etc/cloud/cloud.cfg': 'users: [default]\n', '/usr/bin/cloud-init': '#!/bin/sh\n' }
      : {}),
  };
  for (const k of kernels) {
    const config = withVersion(k.config, k.release);
    fat[k.file] = fakeArm64Image(undefined);
    rootFiles[`/usr/lib/modules/${k.release}/modules.dep`] = '';
    if (k.as === 'configs.ko')
      rootFiles[`/usr/lib/modules/${k.release}/kernel/kernel/configs.ko`] = fakeConfigsKo(config);
    else rootFiles[`/boot/config-${k.release}`] = config;
  }
  Object.assign(rootFiles, opts.root);
  const img = join(dir, `${opts.name ?? opts.style}.img`);
  await writeDiskImage(img, { ...layout, table: sfdiskScript(layout), fat, rootFiles });
  return { img, layout };
}
