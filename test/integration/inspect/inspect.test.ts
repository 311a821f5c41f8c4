/**
 * `armada inspect` as users run it (the built CLI) on images laid out like armada's: plain, seeded
 * by `armada configure`, booted once (status.json), behind a loop device, and bad targets.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { InspectReport } from '../../../src/inspect/types.js';
import { attachLoop } from '../../helpers/loop.js';
import { makePiImage } from '../../helpers/pi-image.js';
import { suiteTempDir } from '../../helpers/tmp.js';
import { describeNeeds } from '../../helpers/needs.js';

const dir = await suiteTempDir('armada-inspect-');
const repo = new URL('../../../', import.meta.url).pathname;
const env = { ...process.env, ARMADA_CONFIG_DIR: join(dir, 'config') };

function armada(...args: string[]) {
  const r = spawnSync('node', [join(repo, 'bin/armada.js'), ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env,
  });
  if (r.error) throw new Error(`armada did not finish within 120 s: ${r.error.message}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function inspectJson(target: string): { report: InspectReport; stderr: string } {
  const r = armada('inspect', target, '--json');
  expect(r.stderr).not.toMatch(/^armada: /m);
  expect(r.code).toBe(0);
  return { report: JSON.parse(r.stdout) as InspectReport, stderr: r.stderr };
}

let plain: string;

beforeAll(async () => {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: repo, stdio: 'pipe' });
  plain = (await makePiImage(dir, { name: 'plain' })).img;
}, 300_000);

describeNeeds({ root: true }, 'armada inspect', () => {
  it('reads layout, OS, kernel, Docker and the Pi models of an unseeded image', () => {
    const { report, stderr } = inspectJson(plain);
    expect(report.kind).toBe('image');
    expect(report.layout.label).toBe('dos');
    expect(report.layout.partitions).toEqual([
      expect.objectContaining({
        n: 1,
        type: 'c',
        bootable: true,
        fs: 'vfat (FAT32)',
        label: 'BOOTFS',
      }),
      expect.objectContaining({ n: 2, type: '83', fs: 'ext4', label: 'rootfs' }),
    ]);
    expect(report.os).toMatchObject({ id: 'debian', versionId: '13', codename: 'trixie' });
    expect(report.armada).toEqual({ version: '0.1.0' });
    // The removed-but-not-purged 6.12.117 does not count.
    expect(report.kernels).toEqual(['6.12.118+deb13-arm64']);
    expect(report.kernelCheck).toMatchObject({ ok: true, version: '6.12.118+deb13-arm64' });
    expect(report.packages).toEqual({
      docker: { package: 'docker.io', version: '26.1.5+dfsg1-9+deb13u1+b1' },
      containerd: { package: 'containerd', version: '1.7.24~ds1-6+deb13u1' },
      runc: { package: 'runc', version: '1.1.15+ds1-2+deb13u1' },
      compose: { package: 'docker-compose', version: '2.26.1-4' },
      buildx: { package: 'docker-buildx', version: '0.13.1+ds1-3' },
    });
    const boots = report.piModels.filter((v) => v.boots).map((v) => v.id);
    expect(boots).toEqual(['pi3b', 'pi3bplus', 'pi3aplus', 'zero2w', 'pi4b', 'pi400', 'cm4']);
    expect(report.seed).toBeNull();
    expect(report.firstBoot).toBeNull();
    expect(stderr).toMatch(
      /^WARNING: this image cannot boot a Raspberry Pi 5: its kernel lacks CONFIG_MMC_SDHCI_BRCMSTB/m,
    );
  });

  it('prints the same for humans, one section per line', () => {
    const r = armada('inspect', plain);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}OS +Debian GNU\/Linux 13 \(trixie\), 13\.2$/m);
    expect(r.stdout).toMatch(/^ {2}Docker +26\.1\.5\+dfsg1-9\+deb13u1\+b1 \(docker\.io\)$/m);
    expect(r.stdout).toMatch(
      /^ {2}Pi models +boots 3B, 3B\+, 3A\+, Zero 2 W, 4B, 400, CM4; not 5 \(see the warnings\)$/m,
    );
    expect(r.stdout).toMatch(/^ {2}seed +none/m);
  });

  it('shows a seed redacted: who, TLS mode, fingerprints; never a secret', async () => {
    const img = join(dir, 'seeded.img');
    await copyFile(plain, img);
    expect(armada('ca', 'init').code).toBe(0);
    await writeFile(
      join(dir, 'id.pub'),
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDf7Jk0mF2n9a4o0k4z5Jp1s0m3Vq8uWmQ2x3YyZzZzZ me@laptop\n',
    );
    const configured = armada(
      'configure',
      img,
      '--hostname',
      'pi-7',
      '--ssh-key',
      join(dir, 'id.pub'),
      '--password',
      'hunter22-secret',
      '--wifi-ssid',
      'home',
      '--wifi-password',
      'correct horse battery',
      '--wifi-country',
      'DE',
      '--json',
    );
    expect(configured.stderr).not.toMatch(/^armada: /m);
    const written = JSON.parse(configured.stdout) as { serverCertSha256: string };
    const r = armada('inspect', img, '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as InspectReport;
    expect(report.seed).toMatchObject({
      hostname: 'pi-7',
      user: 'armada',
      tlsMode: 'laptop',
      sshKeys: 1,
      passwordHashSet: true,
      wifiSsid: 'home',
      wifiCountry: 'DE',
      wifiPskSet: true,
      serverKeyOnCard: true,
      certificates: {
        serverSha256: written.serverCertSha256,
        caSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    });
    // Files only: mdir also lists the directories armada/ and armada/tls/.
    expect(report.seed!.files.sort()).toEqual([
      'authorized_keys',
      'seed.env',
      'tls/ca.pem',
      'tls/server-key.pem',
      'tls/server.pem',
    ]);
    const both = r.stdout + r.stderr + armada('inspect', img).stdout;
    expect(both).not.toMatch(/PRIVATE KEY|\$6\$|hunter22|correct horse/);
    // The WPA PSK is 64 hex digits; none may appear, but fingerprints (also 64 hex) are fine.
    const hex64 = both.match(/[0-9a-f]{64}/g) ?? [];
    for (const h of hex64)
      expect([written.serverCertSha256, report.seed!.certificates.caSha256]).toContain(h);
  });

  it('shows what first boot reported on a card that booted once', async () => {
    const status = {
      hostname: 'pi-7',
      endpoint: 'tcp://pi-7.local:2376',
      tlsMode: 'laptop',
      serverCertSha256: 'a'.repeat(64),
      caCertSha256: 'b'.repeat(64),
      seconds: 41,
      insecureTcp: false,
      version: '0.1.0',
      ok: true,
      failedSteps: [],
    };
    const { img } = await makePiImage(dir, {
      name: 'booted',
      fat: {
        'armada/seed.env': "HOSTNAME='pi-7'\nTLS_MODE='laptop'\n",
        'armada/status.json': JSON.stringify(status) + '\n',
      },
    });
    const { report } = inspectJson(img);
    expect(report.firstBoot).toEqual(status);
    const human = armada('inspect', img).stdout;
    expect(human).toMatch(/^ {2}first boot +done in 41 s \(armada 0\.1\.0\)$/m);
    expect(human).toContain('pi-7 tcp://pi-7.local:2376 (TLS laptop)');
  });

  it('reads a card (block device) the same way', () => {
    const device = attachLoop(plain, true);
    try {
      const { report } = inspectJson(device);
      expect(report.kind).toBe('device');
      expect(report.sizeBytes).toBe(116 * 1024 * 1024);
      expect(report.os?.codename).toBe('trixie');
      expect(report.piModels.filter((v) => v.boots)).toHaveLength(7);
    } finally {
      execFileSync('losetup', ['-d', device]);
    }
  });

  it('reports a missing firmware file as a model it cannot boot', async () => {
    const { img } = await makePiImage(dir, { name: 'no-bootcode', omitBoot: ['bootcode.bin'] });
    const { report, stderr } = inspectJson(img);
    expect(report.piModels.find((v) => v.id === 'pi3b')).toMatchObject({
      boots: false,
      missing: ['bootcode.bin (firmware)'],
    });
    expect(stderr).toContain(
      'WARNING: this image cannot boot a Raspberry Pi 3 Model B: bootcode.bin (firmware)',
    );
  });

  describe('bad targets: one line, exit 1, a JSON error document on stdout', () => {
    const cases: [string, () => Promise<string>, RegExp][] = [
      ['a missing file', () => Promise.resolve(join(dir, 'nope.img')), /no such file or device/],
      ['a directory', () => Promise.resolve(dir), /is a directory/],
      [
        'an empty file',
        async () => {
          const p = join(dir, 'empty.img');
          await writeFile(p, '');
          return p;
        },
        /is empty/,
      ],
      [
        'random bytes',
        async () => {
          const p = join(dir, 'random.bin');
          await writeFile(p, Buffer.alloc(1 << 20, 7));
          return p;
        },
        /is not a disk image \(no MBR or GPT/,
      ],
      [
        'a compressed .img.xz',
        () => {
          const p = join(dir, 'plain.img.xz');
          execFileSync('sh', ['-c', 'xz -T0 -0 -c "$1" > "$2"', 'sh', plain, p]);
          return Promise.resolve(p);
        },
        /is a compressed image \(xz\); decompress it first \('xz -dk .*plain\.img\.xz'\)/,
      ],
      [
        'a bare FAT filesystem',
        async () => {
          const p = join(dir, 'fat.img');
          await mkdir(dir, { recursive: true });
          execFileSync('truncate', ['-s', '8M', p]);
          execFileSync('mkfs.vfat', [p]);
          return p;
        },
        /is a bare FAT filesystem, not a whole disk image/,
      ],
    ];
    it.each(cases)('%s', async (_name, make, message) => {
      const r = armada('inspect', await make(), '--json');
      expect(r.code).toBe(1);
      // With --json a failure is still one JSON document on stdout (and one line on stderr).
      const doc = JSON.parse(r.stdout) as { ok: boolean; error: { message: string } };
      expect(doc.ok).toBe(false);
      expect(doc.error.message).toMatch(message);
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]);
    });
  });
});
