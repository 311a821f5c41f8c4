/**
 * The check on Debian's real arm64 and armhf kernels, and on kernel-shaped files (configs.ko,
 * compressed configs, Image, zboot, zImage, root filesystems) assembled from their configs.
 */
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { checkKernelConfig } from '../../../src/kernel/check.js';
import { parseKernelConfig } from '../../../src/kernel/config.js';
import { readKernelConfig } from '../../../src/kernel/read.js';
import {
  debianKernelDeb,
  disableOptions,
  fakeArm64Image,
  fakeConfigsKo,
  fakeZImage,
  withVersion,
  zbootImage,
  type DebArch,
} from '../../helpers/kernel-packages.js';
import { suiteTempDir } from '../../helpers/tmp.js';
import { shell, xz, zstd } from '../../helpers/tools.js';

// Made at collection time so suiteTempDir's afterAll registers and removes it.
const tmpRoot = await suiteTempDir('armada-kernel-real-');

const sh = shell;

async function userError(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(UserError);
  const message = (e as Error).message;
  expect(message).not.toContain('\n');
  return message;
}

describe.each<DebArch>(['arm64', 'armhf'])('Debian %s kernel package', (arch) => {
  let deb: string;
  let dir: string;
  let text: string;
  let release: string;

  beforeAll(() => {
    deb = debianKernelDeb(arch);
    dir = mkdtempSync(join(tmpRoot, `${arch}-`));
    // dpkg's own view of the package, to compare ours against.
    const inside = sh(`dpkg-deb -c '${deb}'`).toString();
    release = /\.\/boot\/config-(\S+)/.exec(inside)![1]!;
    text = sh(`dpkg-deb --fsys-tarfile '${deb}' | tar -xO './boot/config-${release}'`).toString();
  });

  it('reads boot/config-* from the .deb and passes', async () => {
    const started = Date.now();
    const src = await readKernelConfig(deb);
    const ms = Date.now() - started;
    expect(src).toMatchObject({
      kind: 'deb',
      file: `boot/config-${release}`,
      fileKind: 'config',
      others: [],
    });
    expect(src.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(src.config.values).toEqual(parseKernelConfig(text).values);
    expect(src.config.arch).toBe(arch === 'arm64' ? 'arm64' : 'arm');
    const result = checkKernelConfig(src.config, { require: ['ovs', 'swarm'] });
    expect(result.missingRequired).toEqual([]);
    expect(result.ok).toBe(true);
    // Early stop: the modules after boot/ are never decompressed.
    expect(ms).toBeLessThan(15_000);
    console.info(
      `${arch}: ${deb.split('/').pop()} (${statSync(deb).size >> 20} MiB) read in ${ms} ms`,
    );
  });

  it('fails with the removed required options listed', async () => {
    const file = join(dir, 'config-broken');
    writeFileSync(
      file,
      disableOptions(text, ['VETH', 'OVERLAY_FS', 'IP6_NF_NAT', 'OPENVSWITCH_VXLAN', 'SECCOMP']),
    );
    const src = await readKernelConfig(file);
    expect(src.kind).toBe('config');
    const plain = checkKernelConfig(src.config);
    expect(plain.ok).toBe(false);
    expect(plain.missingRequired.map((m) => `${m.group}:${m.option}`)).toEqual([
      'docker-necessary:VETH',
      'docker-necessary:IP6_NF_NAT',
      'storage-overlay2:OVERLAY_FS',
    ]);
    const ovs = checkKernelConfig(src.config, { require: ['ovs'] });
    expect(ovs.missingRequired.map((m) => m.option)).toContain('OPENVSWITCH_VXLAN');
  });

  it.each([
    ['config.gz', (t: string) => gzipSync(t), 'config.gz'],
    ['config.xz', (t: string) => xz(Buffer.from(t)), 'config.xz'],
    ['config.zst', (t: string) => zstd(Buffer.from(t)), 'config.zst'],
    ['configs.ko', (t: string) => fakeConfigsKo(t), 'module'],
    ['configs.ko.xz', (t: string) => xz(fakeConfigsKo(t)), 'module'],
    ['configs.ko.zst', (t: string) => zstd(fakeConfigsKo(t)), 'module'],
    ['Image', (t: string) => fakeArm64Image(t), 'kernel-image'],
    ['vmlinuz (gzip Image)', (t: string) => gzipSync(fakeArm64Image(t)), 'kernel-image'],
    [
      'vmlinuz (zboot, zstd)',
      (t: string) => zbootImage(zstd(fakeArm64Image(t)), 'zstd22'),
      'kernel-image',
    ],
    [
      'vmlinuz (zboot, xz)',
      (t: string) => zbootImage(xz(fakeArm64Image(t)), 'xzkern'),
      'kernel-image',
    ],
    ['zImage (xz payload)', (t: string) => fakeZImage(xz(fakeArm64Image(t))), 'kernel-image'],
    [
      'zImage (gzip payload)',
      (t: string) => fakeZImage(gzipSync(fakeArm64Image(t))),
      'kernel-image',
    ],
  ])('finds the config in %s made from it', async (name, make, kind) => {
    const file = join(dir, name.replace(/\W+/g, '_'));
    writeFileSync(file, make(text));
    const src = await readKernelConfig(file);
    expect(src.kind).toBe(kind);
    expect(src.file).toBe(file);
    expect(src.config.values).toEqual(parseKernelConfig(text).values);
    expect(checkKernelConfig(src.config).ok).toBe(true);
  });

  it('says the real kernel image has no IKCONFIG (Debian builds without it)', async () => {
    const vmlinuz = join(dir, 'vmlinuz-real');
    writeFileSync(
      vmlinuz,
      sh(`dpkg-deb --fsys-tarfile '${deb}' | tar -xO './boot/vmlinuz-${release}'`),
    );
    const started = Date.now();
    expect(await userError(readKernelConfig(vmlinuz))).toMatch(
      /no kernel config inside this kernel image \(built without CONFIG_IKCONFIG\)/,
    );
    console.info(
      `${arch}: real vmlinuz (${statSync(vmlinuz).size >> 20} MiB) scanned in ${Date.now() - started} ms`,
    );
  });

  it('checks the newest kernel in a root filesystem directory and reads cmdline.txt', async () => {
    const root = join(dir, 'rootfs');
    mkdirSync(join(root, 'boot/firmware'), { recursive: true });
    mkdirSync(join(root, 'usr/lib/modules/9.9.0-1-test/kernel/kernel'), { recursive: true });
    sh(`ln -sfn usr/lib '${root}/lib'`);
    writeFileSync(join(root, `boot/config-${release}`), disableOptions(text, ['VETH']));
    writeFileSync(
      join(root, 'usr/lib/modules/9.9.0-1-test/kernel/kernel/configs.ko.xz'),
      xz(fakeConfigsKo(withVersion(text, '9.9.0'))),
    );
    writeFileSync(
      join(root, 'boot/firmware/cmdline.txt'),
      'console=tty1 cgroup_disable=memory rootwait\n',
    );
    const src = await readKernelConfig(root);
    expect(src).toMatchObject({
      kind: 'rootfs',
      // Reached through /lib and /usr/lib; counted once.
      file: 'lib/modules/9.9.0-1-test/kernel/kernel/configs.ko.xz',
      fileKind: 'module',
      version: '9.9.0',
      others: [`boot/config-${release}`],
      cmdline: { file: 'boot/firmware/cmdline.txt' },
    });
    const result = checkKernelConfig(src.config, { cmdline: src.cmdline!.text });
    expect(result.ok).toBe(true);
    expect(result.cmdline.map((c) => c.id)).toEqual(['memory-cgroup']);
  });

  it('reads a kernel image’s sibling cmdline.txt (a FAT partition copied to disk)', async () => {
    const boot = join(dir, 'bootfs');
    mkdirSync(boot, { recursive: true });
    writeFileSync(join(boot, 'kernel8.img'), fakeArm64Image(text));
    writeFileSync(join(boot, 'cmdline.txt'), 'cgroup_disable=memory cgroup_enable=memory\n');
    const src = await readKernelConfig(join(boot, 'kernel8.img'));
    expect(src.cmdline?.file).toBe(join(boot, 'cmdline.txt'));
    expect(checkKernelConfig(src.config, { cmdline: src.cmdline!.text }).cmdline).toEqual([]);
  });
});
