/**
 * build --base end to end: a Raspberry Pi OS-shaped stand-in made from Debian packages
 * (test/helpers/standin-image.ts; no real Raspberry Pi OS image can be downloaded here) with the
 * sys-mods first-boot style, customised by `armada build --base`, seeded by `armada configure`,
 * booted in QEMU virt with its own kernel8.img/initramfs8: Docker over TLS, a container, the
 * refusals, and the base's first boot and default password gone; then the cloud-init style's
 * stand-in, customised and booted with its cloud-init switched off.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { e2eSkip } from './built-image.js';
import {
  armada,
  armadaAsync,
  bootCopy,
  docker,
  laptopClientTls,
  waitForDocker,
  type Booted,
} from './vm.js';
import { importBusybox, readThroughDocker, type Tls } from './containers.js';
import { ensureStandIn } from '../helpers/standin-image.js';
import { describeNeeds } from '../helpers/needs.js';
import { suiteTempDir } from '../helpers/tmp.js';
import { readExt4Tree, type TreeEntry } from '../helpers/tree.js';
import { reproducibleEpoch } from './global-setup.js';

const GiB = 1024 ** 3;

interface Manifest {
  base: Record<string, unknown>;
  packages: { name: string; version: string }[];
  layout: { partitions: { offsetBytes: number }[] };
}

async function customise(base: string, out: string, extra: string[]) {
  const b = await armadaAsync(
    [
      'build',
      '--base',
      base,
      '--out',
      out,
      '--name',
      'based',
      '--compress',
      'none',
      '--json',
      ...extra,
    ],
    // A fixed epoch, so the second customise (the cached root image with its changes applied)
    // must give the very tree the first (mke2fs -d) gave.
    { ...env, SOURCE_DATE_EPOCH: reproducibleEpoch },
    40 * 60_000,
  );
  expect(b.status, b.stderr.slice(-3000)).toBe(0);
  return {
    manifest: JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest,
    result: JSON.parse(b.stdout) as {
      baseInstallReusedFrom?: string;
      baseRootImage?: { reused: boolean };
      timings: Record<string, number>;
    },
  };
}

function debugfsCat(image: string, offset: number, path: string): Buffer {
  return execFileSync('debugfs', ['-R', `cat "${path}"`, `${image}?offset=${offset}`], {
    maxBuffer: 512 << 20,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

const startedAt = Date.now();
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const dir = e2eSkip ? '' : await suiteTempDir('armada-e2e-base-');
const env = { ARMADA_CONFIG_DIR: join(dir, 'laptop'), DOCKER_CONFIG: join(dir, 'docker-config') };

describeNeeds(
  { root: true },
  'build --base: a customised stand-in boots like a built image',
  () => {
    let booted: Booted;
    let tls: Tls;
    let base: string;
    let manifest: Manifest;
    let result: { baseInstallReusedFrom?: string; timings: Record<string, number> };
    const timings: Record<string, number> = {};
    afterAll(() => booted?.vm.stop());

    beforeAll(async () => {
      let t = Date.now();
      base = await ensureStandIn('sys-mods');
      timings.standIn = Date.now() - t;
      t = Date.now();
      const out = join(dir, 'out');
      // --refresh: the Docker install really runs (the installed-base cache outlives test runs),
      // and its result is kept for the second customise below.
      const b = await customise(base, out, ['--refresh']);
      timings.customise = Date.now() - t;
      ({ manifest, result } = b);
      expect(armada(['ca', 'init'], env).status).toBe(0);
      booted = await bootCopy({
        source: join(out, 'based.img'),
        dir,
        name: 'based',
        growBytes: 1 * GiB,
        configure: ['--hostname', 'based-pi', '--tls', 'laptop'],
        env,
        bootFiles: ['kernel8.img', 'initramfs8'],
      });
      const client = join(env.ARMADA_CONFIG_DIR, 'client');
      tls = {
        ca: join(client, 'ca.pem'),
        cert: join(client, 'cert.pem'),
        key: join(client, 'key.pem'),
      };
      timings.boot = booted.bootMs;
      t = Date.now();
      await waitForDocker(booted.vm, booted.ports.docker, tls, env);
      timings.dockerAfterBoot = Date.now() - t;
      process.stderr.write(
        `e2e base: ${JSON.stringify(timings)}; steps ${JSON.stringify(result.timings)}\n`,
      );
    }, 3_000_000);

    it('recorded the base, its style and its changes', () => {
      expect(manifest.base).toMatchObject({ firstBootStyle: 'sys-mods', arch: 'arm64' });
      expect(manifest.base.dockerFrom).toMatch(/^(base|debian)$/);
      expect(manifest.base.installKey).toMatch(/^[0-9a-f]{16}$/);
      expect(manifest.base.installReusedFrom).toBeNull();
      expect(result.baseInstallReusedFrom).toBeUndefined();
      expect(result.timings['install-docker']).toBeGreaterThan(0);
    });

    it('a second customise of the same base reuses the installed root, with the same packages and Docker', async () => {
      const out2 = join(dir, 'out2');
      const again = await customise(base, out2, []);
      process.stderr.write(`e2e base, second customise: ${JSON.stringify(again.result.timings)}\n`);
      expect(again.result.baseInstallReusedFrom).toBe(manifest.base.installKey);
      expect(again.manifest.base).toMatchObject({
        installKey: manifest.base.installKey,
        installReusedFrom: manifest.base.installKey,
        dockerFrom: manifest.base.dockerFrom,
      });
      // Skipped: not run, so not timed.
      expect(again.result.timings['install-docker']).toBeUndefined();
      expect(again.result.timings['extract-base-rootfs']).toBeUndefined();
      expect(again.manifest.packages).toEqual(manifest.packages);
      expect(again.manifest.packages.map((p) => p.name)).toContain('docker.io');
      const dockerd = (m: Manifest, img: string) =>
        debugfsCat(img, m.layout.partitions[1].offsetBytes, '/usr/sbin/dockerd');
      const first = dockerd(manifest, join(dir, 'out', 'based.img'));
      // debugfs prints nothing for a missing file: the binary must really be there.
      expect(first.length).toBeGreaterThan(1 << 20);
      expect(sha256(dockerd(again.manifest, join(out2, 'based.img')))).toBe(sha256(first));
      // Its root is the cached image with this build's changes, and holds the same tree as the
      // first image's mke2fs -d root: every entry's kind, mode, owner, content and link target,
      // and the mtime of all but what the two builds wrote as they ran.
      expect(again.result.baseRootImage).toMatchObject({ reused: true });
      expect(again.manifest.layout).toEqual(manifest.layout);
      const rootOf = (m: Manifest, img: string, name: string) =>
        readExt4Tree(img, m.layout.partitions[1].offsetBytes, join(dir, name));
      const want = await rootOf(manifest, join(dir, 'out', 'based.img'), 'tree1');
      const got = await rootOf(again.manifest, join(out2, 'based.img'), 'tree2');
      expect([...got.keys()]).toEqual([...want.keys()]);
      const written = (e: TreeEntry) => e.mtime * 1000 >= startedAt;
      for (const [path, w] of want) {
        const g = got.get(path)!;
        expect(written(w) ? { ...g, mtime: 0 } : g, path).toEqual(
          written(w) ? { ...w, mtime: 0 } : w,
        );
      }
      expect(want.get('/etc/docker/daemon.json')?.kind).toBe('file');
      expect(want.get('/etc/systemd/system/armada-firstboot.service')?.kind).toBe('file');
      await rm(join(dir, 'tree1'), { recursive: true });
      await rm(join(dir, 'tree2'), { recursive: true });
    }, 1_200_000);

    it('answers over TLS with the laptop certificate, overlay2, and runs a container', () => {
      const info = docker(booted.ports.docker, tls, ['info', '--format', '{{.Driver}}'], env);
      expect(info.status, info.stderr).toBe(0);
      expect(info.stdout.trim()).toBe('overlay2');
      importBusybox(booted.ports.docker, tls, dir, env);
      const r = docker(
        booted.ports.docker,
        tls,
        ['run', '--rm', 'e2e-busybox', '/bin/busybox', 'echo', 'hi from a base'],
        env,
      );
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe('hi from a base');
    });

    it('refuses a client without a certificate, and nothing listens on 2375', () => {
      expect(docker(booted.ports.docker, 'none', ['version'], env, 60_000).status).not.toBe(0);
      expect(docker(booted.ports.insecure, 'none', ['version'], env, 60_000).status).not.toBe(0);
    });

    it("did not run the base's first boot, locked pi's known password, made fresh identity", () => {
      const serial = readFileSync(join(dir, 'based-serial.log'), 'utf8');
      expect(serial).not.toContain('stand-in raspberrypi-sys-mods firstboot ran');
      const out = readThroughDocker(
        booted.ports.docker,
        tls,
        { '/etc': '/h' },
        'grep ^pi: /h/shadow; cat /h/hostname /h/machine-id; ls /h/ssh',
        env,
      );
      const [shadow, hostname, machineId] = out.split('\n');
      expect(shadow).toMatch(/^pi:!:/);
      expect(hostname).toBe('based-pi');
      expect(machineId).toMatch(/^[0-9a-f]{32}$/);
      expect(machineId).not.toBe('ab'.repeat(16));
      expect(out).toContain('ssh_host_ed25519_key.pub');
    });
  },
);

/**
 * The other first-boot style: a cloud-init stand-in (NoCloud files on the boot partition, a unit
 * that honours cloud-init's documented off switches). armada switches it off and its own first
 * boot applies the seed; a boot shows the unit skipped for that reason and Docker over TLS.
 */
describeNeeds({ root: true }, 'build --base: a customised cloud-init stand-in boots too', () => {
  let booted: Booted;
  const cloudDir = join(dir, 'cloud-init');
  afterAll(() => booted?.vm.stop());

  beforeAll(async () => {
    const base = await ensureStandIn('cloud-init');
    const out = join(cloudDir, 'out');
    const { manifest } = await customise(base, out, []);
    expect(manifest.base).toMatchObject({ firstBootStyle: 'cloud-init', arch: 'arm64' });
    if (!existsSync(join(env.ARMADA_CONFIG_DIR, 'ca')))
      expect(armada(['ca', 'init'], env).status).toBe(0);
    booted = await bootCopy({
      source: join(out, 'based.img'),
      dir: cloudDir,
      name: 'cloud',
      growBytes: 1 * GiB,
      configure: ['--hostname', 'cloud-pi', '--tls', 'laptop'],
      env,
      bootFiles: ['kernel8.img', 'initramfs8'],
    });
    await waitForDocker(booted.vm, booted.ports.docker, laptopClientTls(env), env);
  }, 3_000_000);

  it('answers over TLS and refuses a client without a certificate', () => {
    const tls = laptopClientTls(env);
    const info = docker(booted.ports.docker, tls, ['info', '--format', '{{.Driver}}'], env);
    expect(info.status, info.stderr).toBe(0);
    expect(info.stdout.trim()).toBe('overlay2');
    expect(docker(booted.ports.docker, 'none', ['version'], env, 60_000).status).not.toBe(0);
  });

  it("skipped the base's cloud-init by its off switch; armada's first boot applied the seed", () => {
    const tls = laptopClientTls(env);
    importBusybox(booted.ports.docker, tls, cloudDir, env);
    const serial = readFileSync(join(cloudDir, 'cloud-serial.log'), 'utf8');
    expect(serial).not.toContain('stand-in cloud-init ran');
    const out = readThroughDocker(
      booted.ports.docker,
      tls,
      { '/': '/h' },
      'cat /h/etc/hostname; ls /h/etc/cloud; chroot /h journalctl -b -u cloud-init.service --no-pager',
      env,
    );
    expect(out.split('\n')[0]).toBe('cloud-pi');
    expect(out).toContain('cloud-init.disabled');
    // The unit was there and considered: skipped for the off switch armada wrote.
    expect(out).toMatch(/ConditionPathExists=!\/etc\/cloud\/cloud-init\.disabled/);
  });
});
