/**
 * What `armada build` produced: the release artifacts, a clean and correctly laid-out image that
 * carries no per-device identity, a bmap that bmaptool accepts, and a kernel that passes the check.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { builtImage } from './built-image.js';
import { suiteTempDir } from '../helpers/tmp.js';
import { describeNeeds } from '../helpers/needs.js';

const sh = (file: string, args: string[], opts: { cwd?: string } = {}) =>
  spawnSync(file, args, {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, MTOOLS_SKIP_CHECK: '1' },
    ...opts,
  });

function partitions(image: string) {
  const pt = JSON.parse(
    execFileSync('sfdisk', ['--json', image], { encoding: 'utf8' }),
  ).partitiontable;
  return {
    id: String(pt.id).replace(/^0x/, ''),
    parts: pt.partitions as { start: number; size: number; type: string }[],
  };
}

function debugfs(image: string, offset: number, request: string): string {
  return sh('debugfs', ['-R', request, `${image}?offset=${offset}`]).stdout;
}

describeNeeds({ root: true }, 'armada build artifacts', () => {
  it('writes the release artifacts, and SHA256SUMS verifies them', () => {
    const { build, out } = builtImage();
    const kinds = build.artifacts.map((a) => a.kind).sort();
    expect(kinds).toEqual(['SHA256SUMS', 'bmap', 'img', 'img.xz', 'manifest'].sort());
    const check = sh('sha256sum', ['--check', '--strict', 'SHA256SUMS'], { cwd: out });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/\.img: OK/);
  });

  it('records inputs, kernel verdict, options and packages in manifest.json', () => {
    const { out } = builtImage();
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(m.inputs).toMatchObject({ arch: 'arm64', suite: 'trixie' });
    expect(m.kernel).toMatchObject({ ok: true, overridden: false });
    expect(m.options.insecureTcp).toBe(false);
    expect(m.docker).toEqual({ tcp: 2376, tlsverify: true, insecureTcp2375: false });
    const names = (m.packages as { name: string }[]).map((p) => p.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'docker.io',
        'docker-compose',
        'docker-buildx',
        'containerd',
        'raspi-firmware',
        'openssh-server',
        'avahi-daemon',
      ]),
    );
    const version = (n: string) =>
      (m.packages as { name: string; version: string }[]).find((p) => p.name === n)?.version;
    // Debian 13: Docker 26 with the Compose v2 plugin.
    expect(version('docker.io')).toMatch(/^2[6-9]\./);
    expect(version('docker-compose')).toMatch(/^2\./);
    // The default build requires the Open vSwitch kernel group; nothing was opted out.
    expect(m.options.requireKernel).toContain('ovs');
    expect(m.options.kernelGroupsNotRequired).toEqual([]);
    // Every model armada claims boots from this card; the Pi 5 does not with Debian's kernel.
    const models = m.piModels as { model: string; claimed: boolean; boots: boolean }[];
    expect(models.filter((v) => v.claimed && !v.boots)).toEqual([]);
    expect(models.find((v) => v.model === 'pi5')?.boots).toBe(false);
    expect(models.filter((v) => v.claimed).length).toBeGreaterThanOrEqual(7);
  });

  it('compresses to block-mode xz that decompresses to the image', () => {
    const { image } = builtImage();
    const list = sh('xz', ['--robot', '--list', `${image}.xz`]).stdout;
    const blocks = Number(/^totals\t\d+\t(\d+)/m.exec(list)?.[1]);
    expect(blocks, list).toBeGreaterThan(1);
    const unpacked = Number(/^totals(?:\t[^\t]*){3}\t(\d+)/m.exec(list)?.[1]);
    expect(unpacked).toBe(statSync(image).size);
  });

  it('lays out MBR p1 FAT32 at 4 MiB and p2 ext4, both clean', async () => {
    const { image } = builtImage();
    const { parts } = partitions(image);
    expect(parts).toHaveLength(2);
    expect(parts[0]).toMatchObject({ start: 8192, type: 'c' });
    expect(parts[0].size * 512).toBeGreaterThanOrEqual(256 << 20);
    expect(parts[1].type).toBe('83');
    expect((parts[1].start * 512) % (4 << 20)).toBe(0);
    const dir = await suiteTempDir();
    const boot = join(dir, 'boot.vfat');
    execFileSync('dd', [
      `if=${image}`,
      `of=${boot}`,
      'bs=512',
      `skip=${parts[0].start}`,
      `count=${parts[0].size}`,
      'status=none',
    ]);
    const fat = sh('fsck.vfat', ['-n', boot]);
    expect(fat.status, fat.stdout + fat.stderr).toBe(0);
    const ext = sh('e2fsck', ['-fn', `${image}?offset=${parts[1].start * 512}`]);
    expect(ext.status, ext.stdout + ext.stderr).toBe(0);
  });

  it('boots by PARTUUID with the Pi firmware, kernel, initrd and device trees on bootfs', () => {
    const { image } = builtImage();
    const { id, parts } = partitions(image);
    const drive = `${image}@@${parts[0].start * 512}`;
    const files = sh('mdir', ['-b', '-i', drive, '::/']).stdout;
    for (const f of [
      'vmlinuz',
      'initrd.img',
      'config.txt',
      'cmdline.txt',
      'start4.elf',
      'fixup4.dat',
      'bootcode.bin',
      'bcm2711-rpi-4-b.dtb',
      'bcm2837-rpi-3-b.dtb',
    ])
      expect(files).toContain(f);
    const cmdline = sh('mtype', ['-i', drive, '::/cmdline.txt']).stdout;
    expect(cmdline).toContain(`root=PARTUUID=${id}-02`);
    const fstab = debugfs(image, parts[1].start * 512, 'cat /etc/fstab');
    expect(fstab).toContain(`PARTUUID=${id}-02`);
    expect(fstab).toContain(`PARTUUID=${id}-01  /boot/firmware`);
  });

  it('ships no per-device identity: no SSH host keys, empty machine-id, no TLS keys', () => {
    const { image } = builtImage();
    const { parts } = partitions(image);
    const off = parts[1].start * 512;
    expect(debugfs(image, off, 'ls -l /etc/ssh')).not.toMatch(/ssh_host_/);
    expect(debugfs(image, off, 'stat /etc/machine-id')).toMatch(/Size: 0\b/);
    expect(debugfs(image, off, 'ls -l /etc/docker/tls')).not.toMatch(/\.pem/);
    expect(debugfs(image, off, 'ls -l /var/lib/dbus')).not.toMatch(/machine-id/);
  });

  it('is slim: no docs or translations, no drivers for hardware no Pi has; the Pi’s own stay', () => {
    const { image, build } = builtImage();
    const off = partitions(image).parts[1].start * 512;
    const slim = build.manifest.slim as { bytes: number; groups: Record<string, unknown> };
    expect(slim.bytes).toBeGreaterThan(100 << 20);
    expect(Object.keys(slim.groups)).toEqual(
      expect.arrayContaining(['docs', 'translations', 'other-soc-device-trees', 'pcie-gpus']),
    );
    expect(debugfs(image, off, 'cat /etc/dpkg/dpkg.cfg.d/armada-slim')).toContain(
      'path-exclude=/usr/share/doc/*',
    );
    const doc = debugfs(image, off, 'ls /usr/share/doc/docker.io');
    expect(doc).toContain('copyright');
    expect(doc).not.toMatch(/README|changelog/);
    // dpkg keeps the directories; the catalogues in them are gone.
    expect(debugfs(image, off, 'ls /usr/share/locale')).toContain('locale.alias');
    expect(debugfs(image, off, 'ls /usr/share/locale/de/LC_MESSAGES')).not.toMatch(/\.mo\b/);
    const kver = /vmlinuz-(\S+)/.exec(debugfs(image, off, 'ls /boot'))![1];
    const dep = debugfs(image, off, `cat /usr/lib/modules/${kver}/modules.dep`);
    // depmod ran again: the index names what is there and nothing that went.
    expect(dep).toMatch(/vc4\.ko/);
    expect(dep).toMatch(/genet\.ko/);
    expect(dep).toMatch(/overlay\.ko/);
    expect(dep).not.toMatch(/amdgpu\.ko/);
    expect(dep).not.toMatch(/mlx5_core\.ko/);
  });

  it('carries the Compose v2 and buildx CLI plugins for use on the device (Debian 13 image)', () => {
    const { image } = builtImage();
    const off = partitions(image).parts[1].start * 512;
    const plugins = debugfs(image, off, 'ls -l /usr/libexec/docker/cli-plugins');
    for (const p of ['docker-compose', 'docker-buildx']) {
      // debugfs ls -l: inode, mode, (links), uid, gid, size, date, time, name.
      const line = plugins.split('\n').find((l) => l.trim().endsWith(` ${p}`));
      expect(line, plugins).toBeDefined();
      const [, mode, , , , size] = line!.trim().split(/\s+/);
      expect(mode).toBe('100755');
      expect(Number(size)).toBeGreaterThan(1 << 20);
    }
  });

  it('configures Docker for TLS on 2376 only', () => {
    const { image } = builtImage();
    const off = partitions(image).parts[1].start * 512;
    const daemon = JSON.parse(debugfs(image, off, 'cat /etc/docker/daemon.json'));
    expect(daemon).toMatchObject({ 'storage-driver': 'overlay2', tls: true, tlsverify: true });
    expect(daemon.hosts).toBeUndefined();
    const dropIn = debugfs(image, off, 'cat /etc/systemd/system/docker.service.d/armada.conf');
    expect(dropIn).toContain('tcp://0.0.0.0:2376');
    expect(dropIn).not.toContain('2375');
  });

  it('has a bmap that bmaptool accepts and that maps only part of the image', async () => {
    const { image, out, build } = builtImage();
    const bmap = build.artifacts.find((a) => a.kind === 'bmap')!.path;
    const xml = readFileSync(bmap, 'utf8');
    const mapped = Number(/<MappedBlocksCount>\s*(\d+)/.exec(xml)?.[1]);
    const total = Number(/<BlocksCount>\s*(\d+)/.exec(xml)?.[1]);
    expect(mapped).toBeGreaterThan(0);
    expect(mapped).toBeLessThan(total);
    const dir = await suiteTempDir();
    const target = join(dir, 'card.img');
    const copy = sh('bmaptool', ['copy', '--bmap', bmap, image, target], { cwd: out });
    expect(copy.status, copy.stderr).toBe(0);
  });

  it('passes armada check-kernel on the image itself', () => {
    const { image } = builtImage();
    const r = sh('node', ['bin/armada.js', 'check-kernel', image, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).ok).toBe(true);
  });
});

describeNeeds({ root: true }, 'reproducible builds', () => {
  it('gives the same .img SHA-256 when rebuilt plainly (no SOURCE_DATE_EPOCH) --offline, with no network at all, and reuses its compressed artifacts', async () => {
    const { build } = builtImage();
    const first = build.artifacts.find((a) => a.kind === 'img')!;
    const out = await suiteTempDir('armada-repro-');
    // Both builds as `make image` runs them: the time is the stage's (its InRelease dates).
    const env = { ...process.env };
    delete env.SOURCE_DATE_EPOCH;
    // A network namespace of its own (loopback only, down): nothing can reach an archive, so the
    // rebuild is the cached stage as it is, whatever the archive published since the first build.
    const r = spawnSync(
      'unshare',
      ['--net', '--', 'node', 'bin/armada.js', 'build', '--offline', '--out', out, '--json'],
      {
        encoding: 'utf8',
        maxBuffer: 64 << 20,
        timeout: 10 * 60_000,
        env,
      },
    );
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    const again = JSON.parse(r.stdout) as typeof build;
    // The very stage the first build used, found by its options alone (no archive state asked).
    type Inputs = { stageKey: string };
    expect((again.manifest.inputs as Inputs).stageKey).toBe(
      (build.manifest.inputs as Inputs).stageKey,
    );
    expect(again.offline).toBe(true);
    type Times = { createdAt: string; createdAtFrom: string };
    expect((again.manifest as Times).createdAtFrom).toBe('archive');
    expect((again.manifest as Times).createdAt).toBe((build.manifest as Times).createdAt);
    const second = again.artifacts.find((a) => a.kind === 'img')!;
    expect(second.sha256).toBe(first.sha256);
    // Same image bytes: the .img.xz comes from the artifact cache, identical.
    expect(again.reusedArtifacts).toEqual(['armada-trixie-arm64.img.xz']);
    const xz = (b: typeof build) => b.artifacts.find((a) => a.kind === 'img.xz')!.sha256;
    expect(xz(again)).toBe(xz(build));
  });
});
