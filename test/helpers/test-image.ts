/**
 * A small but real Raspberry Pi-like disk image for flash tests (made by pi-image.ts's
 * writeDiskImage): MBR, FAT32 'bootfs' (p1, from 4 MiB), ext4 'rootfs' (p2).
 * Files include random (incompressible) data; the image file is sparse, so its bmap (made by
 * armada's createBmap) maps only a part of it. Compressed variants (.xz .gz .zst .zip with the
 * bmap inside) are made once per directory and cached for the suite.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createBmap } from '../../src/bmap/create.js';
import { writeDiskImage, type ImagePartition } from './pi-image.js';

const exec = promisify(execFile);
const MiB = 1 << 20;

export type TestPartition = ImagePartition;

export interface TestImage {
  dir: string;
  /** name.img (sparse), name.img.bmap, and compressed copies. */
  img: string;
  bmap: string;
  xz: string;
  gz: string;
  zst: string;
  /** name.zip holding name.img and name.img.bmap. */
  zip: string;
  sizeBytes: number;
  boot: TestPartition;
  root: TestPartition;
  /** Path → content on the FAT partition. */
  bootFiles: Record<string, Buffer>;
  /** Path → content on the ext4 partition (regular files only). */
  rootFiles: Record<string, Buffer>;
}

export interface TestImageOptions {
  /** Total image size in MiB (default 128: 4 MiB gap, 64 MiB FAT32, rest ext4). */
  sizeMiB?: number;
  name?: string;
}

const cache = new Map<string, Promise<TestImage>>();

/** Build (once per dir and options) the test image and its variants in `dir`. */
export function testImage(dir: string, opts: TestImageOptions = {}): Promise<TestImage> {
  const key = `${dir}|${opts.sizeMiB ?? 128}|${opts.name ?? 'pi'}`;
  let built = cache.get(key);
  if (!built) {
    built = build(dir, opts);
    cache.set(key, built);
  }
  return built;
}

function text(lines: number, seed: string): Buffer {
  return Buffer.from(
    Array.from(
      { length: lines },
      (_, i) => `${seed} line ${i}: the quick brown fox jumps over the lazy dog`,
    ).join('\n') + '\n',
  );
}

async function build(dir: string, opts: TestImageOptions): Promise<TestImage> {
  const name = opts.name ?? 'pi';
  const sizeBytes = (opts.sizeMiB ?? 128) * MiB;
  const boot = { offsetBytes: 4 * MiB, sizeBytes: 64 * MiB };
  const root = {
    offsetBytes: boot.offsetBytes + boot.sizeBytes,
    sizeBytes: sizeBytes - boot.offsetBytes - boot.sizeBytes,
  };
  const img = join(dir, `${name}.img`);
  const table = [
    'label: dos',
    'label-id: 0x5eed1234',
    `start=${boot.offsetBytes / 512}, size=${boot.sizeBytes / 512}, type=c`,
    `start=${root.offsetBytes / 512}, size=${root.sizeBytes / 512}, type=83`,
  ].join('\n');
  const bootFiles: Record<string, Buffer> = {
    '/config.txt': Buffer.from('arm_64bit=1\nenable_uart=1\n'),
    '/cmdline.txt': Buffer.from(
      'console=serial0,115200 root=PARTUUID=5eed1234-02 rootfstype=ext4 fsck.repair=yes rootwait\n',
    ),
    '/kernel8.img': randomBytes(3 * MiB),
    '/overlays/test.dtbo': randomBytes(40_000),
    '/README.txt': text(2000, 'boot'),
  };
  const rootFiles: Record<string, Buffer> = {
    '/etc/hostname': Buffer.from('raspberrypi\n'),
    '/etc/fstab': Buffer.from(
      'PARTUUID=5eed1234-01 /boot/firmware vfat defaults 0 2\nPARTUUID=5eed1234-02 / ext4 defaults,noatime 0 1\n',
    ),
    '/usr/lib/firmware.bin': randomBytes(6 * MiB),
    '/usr/share/doc/readme.txt': text(20_000, 'root'),
    '/var/lib/data/small.bin': randomBytes(5000),
    '/home/pi/empty': Buffer.alloc(0),
  };
  await writeDiskImage(img, {
    totalBytes: sizeBytes,
    boot,
    root,
    table: table + '\n',
    fat: bootFiles,
    rootFiles,
    symlinks: { '/etc/firmware-link': '/usr/lib/firmware.bin' },
    ext4Options: ['nodiscard'],
  });
  const bmap = `${img}.bmap`;
  await writeFile(bmap, (await createBmap(img)).xml);
  const xz = `${img}.xz`;
  const gz = `${img}.gz`;
  const zst = `${img}.zst`;
  const zip = join(dir, `${name}.zip`);
  await Promise.all([
    exec('sh', ['-c', 'xz -T0 -1 -c "$1" > "$2"', 'sh', img, xz]),
    exec('sh', ['-c', 'gzip -1 -c "$1" > "$2"', 'sh', img, gz]),
    exec('zstd', ['-q', '-f', '-3', img, '-o', zst]),
  ]);
  await rm(zip, { force: true });
  await exec('zip', ['-q', '-j', '-1', zip, img, bmap]);
  return { dir, img, bmap, xz, gz, zst, zip, sizeBytes, boot, root, bootFiles, rootFiles };
}
