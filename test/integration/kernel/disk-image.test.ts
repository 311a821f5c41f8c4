/**
 * Kernel configs found inside disk images made here with sfdisk, mkfs.vfat --offset, mtools and
 * mke2fs -d -E offset: no mount, no loop device, no root.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { checkKernelConfig } from '../../../src/kernel/check.js';
import { readKernelConfig } from '../../../src/kernel/read.js';
import {
  debianKernelDeb,
  disableOptions,
  fakeArm64Image,
  fakeConfigsKo,
  withVersion,
} from '../../helpers/kernel-packages.js';
import { suiteTempDir } from '../../helpers/tmp.js';

// Made at collection time so suiteTempDir's afterAll registers and removes it.
const tmpRoot = await suiteTempDir('armada-kernel-img-');

const run = (file: string, args: string[], input?: string | Buffer) =>
  execFileSync(file, args, {
    input,
    timeout: 120_000,
    env: { ...process.env, MTOOLS_SKIP_CHECK: '1' },
  });

const MiB = 1024 * 1024;
const fatStart = 4 * MiB;
const fatSize = 32 * MiB;
const extStart = fatStart + fatSize;
const extSize = 16 * MiB;

/** An MBR image: p1 FAT (0x0c) holding `fat`, p2 Linux holding the tree `rootDir` (or nothing). */
function makeDiskImage(path: string, fat: Record<string, string | Buffer>, rootDir?: string): void {
  run('truncate', ['-s', String(extStart + extSize), path]);
  run(
    'sfdisk',
    ['-q', path],
    `label: dos\nstart=${fatStart / 512}, size=${fatSize / 512}, type=c\nstart=${extStart / 512}, type=83\n`,
  );
  run('mkfs.vfat', [
    '-F',
    '16',
    '-n',
    'BOOTFS',
    `--offset=${fatStart / 512}`,
    path,
    String(fatSize / 1024),
  ]);
  putFat(path, fatStart, fat);
  if (rootDir)
    run('mke2fs', [
      '-q',
      '-t',
      'ext4',
      '-d',
      rootDir,
      '-E',
      `offset=${extStart}`,
      path,
      `${extSize / 1024}k`,
    ]);
}

function putFat(path: string, offset: number, files: Record<string, string | Buffer>): void {
  const staging = `${path}.fat-files`;
  mkdirSync(staging, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(staging, name), content);
    run('mcopy', [
      '-o',
      '-i',
      offset ? `${path}@@${offset}` : path,
      join(staging, name),
      `::${name}`,
    ]);
  }
}

function rootfs(dir: string, files: Record<string, string | Buffer>): string {
  mkdirSync(join(dir, 'usr/lib'), { recursive: true });
  symlinkSync('usr/lib', join(dir, 'lib'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

describe('check-kernel on disk images', () => {
  let dir: string;
  let text: string;
  let release: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpRoot, 'img'));
    const deb = debianKernelDeb('arm64');
    release = /\.\/boot\/config-(\S+)/.exec(run('dpkg-deb', ['-c', deb]).toString())![1]!;
    text = execFileSync('sh', [
      '-c',
      `dpkg-deb --fsys-tarfile '${deb}' | tar -xO './boot/config-${release}'`,
    ]).toString();
  });

  it('finds /boot/config-* on the ext4 partition and cmdline.txt on the FAT one (Debian layout)', async () => {
    const img = join(dir, 'debian.img');
    const root = rootfs(join(dir, 'debian-root'), { [`boot/config-${release}`]: text });
    makeDiskImage(
      img,
      {
        'cmdline.txt': 'console=tty1 root=PARTUUID=1234-02 cgroup_disable=memory rootwait\n',
        'config.txt': 'arm_64bit=1\n',
        [`vmlinuz-${release}`]: fakeArm64Image(undefined),
      },
      root,
    );
    const started = Date.now();
    const src = await readKernelConfig(img);
    const ms = Date.now() - started;
    expect(src).toMatchObject({
      kind: 'disk-image',
      file: `p2:/boot/config-${release}`,
      fileKind: 'config',
      // The vmlinuz beside the config is the same kernel, not another one.
      others: [],
      cmdline: { file: 'p1:/cmdline.txt' },
    });
    const result = checkKernelConfig(src.config, { cmdline: src.cmdline!.text });
    expect(result.ok).toBe(true);
    expect(result.cmdline.map((w) => w.id)).toEqual(['memory-cgroup']);
    expect(ms).toBeLessThan(20_000);
    console.info(`disk image (Debian layout) read in ${ms} ms`);
  });

  it('checks the newest of several kernels across partitions (kernel8.img vs configs.ko)', async () => {
    const img = join(dir, 'rpi.img');
    const old = withVersion(disableOptions(text, ['VETH']), '6.1.0');
    const root = rootfs(join(dir, 'rpi-root'), {
      'usr/lib/modules/6.1.0-rpi7-rpi-v8/kernel/kernel/configs.ko': fakeConfigsKo(old),
    });
    makeDiskImage(
      img,
      {
        'kernel8.img': fakeArm64Image(withVersion(text, '6.6.51')),
        'kernel_2712.img': fakeArm64Image(undefined),
        'cmdline.txt': 'cgroup_disable=memory cgroup_enable=memory cgroup_memory=1\n',
      },
      root,
    );
    const src = await readKernelConfig(img);
    expect(src.file).toBe('p1:/kernel8.img');
    expect(src.fileKind).toBe('kernel-image');
    expect(src.version).toBe('6.6.51');
    // /lib → /usr/lib lists the module twice; it counts once.
    expect(src.others).toEqual([
      'p2:/lib/modules/6.1.0-rpi7-rpi-v8/kernel/kernel/configs.ko',
      'p1:/kernel_2712.img',
    ]);
    const result = checkKernelConfig(src.config, { cmdline: src.cmdline!.text });
    expect(result).toMatchObject({ ok: true, cmdline: [] });
  });

  it('reports missing required options of the config inside the image', async () => {
    const img = join(dir, 'broken.img');
    const root = rootfs(join(dir, 'broken-root'), {
      [`boot/config-${release}`]: disableOptions(text, ['BRIDGE', 'OVERLAY_FS']),
    });
    makeDiskImage(img, { 'cmdline.txt': 'quiet\n' }, root);
    const result = checkKernelConfig((await readKernelConfig(img)).config);
    expect(result.missingRequired.map((m) => m.option)).toEqual(['BRIDGE', 'OVERLAY_FS']);
  });

  it('reads bare FAT and ext4 filesystem images', async () => {
    const fat = join(dir, 'boot.vfat');
    run('mkfs.vfat', ['-C', '-n', 'BOOTFS', fat, String(16 * 1024)]);
    putFat(fat, 0, { 'kernel8.img': fakeArm64Image(text), 'cmdline.txt': 'quiet\n' });
    expect(await readKernelConfig(fat)).toMatchObject({
      kind: 'fat-image',
      file: '/kernel8.img',
      cmdline: { file: '/cmdline.txt' },
    });

    const ext = join(dir, 'root.ext4');
    const root = rootfs(join(dir, 'ext-root'), { [`boot/config-${release}`]: text });
    run('mke2fs', ['-q', '-t', 'ext4', '-d', root, ext, '16M']);
    expect(await readKernelConfig(ext)).toMatchObject({
      kind: 'ext4-image',
      file: `/boot/config-${release}`,
      version: expect.stringMatching(/^6\./),
    });
  });

  it('says so when an image has partitions but no kernel, or no filesystems', async () => {
    const empty = join(dir, 'nokernel.img');
    makeDiskImage(
      empty,
      { 'config.txt': 'x\n' },
      rootfs(join(dir, 'empty-root'), { 'etc/hostname': 'pi\n' }),
    );
    await expect(readKernelConfig(empty)).rejects.toThrow(/nokernel\.img: no kernel found/);

    const blank = join(dir, 'blank.img');
    run('truncate', ['-s', String(8 * MiB), blank]);
    run('sfdisk', ['-q', blank], 'label: dos\nstart=2048, type=83\n');
    const error = await readKernelConfig(blank).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(
      /blank\.img: no FAT or ext4 partition in this disk image/,
    );
  });
});
