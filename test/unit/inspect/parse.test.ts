import { describe, expect, it } from 'vitest';
import { formatInspect } from '../../../src/inspect/format.js';
import { formatBinary } from '../../../src/format-bytes.js';

const formatSize = (bytes: number) => formatBinary(bytes, 'short');
import {
  filesystemOf,
  kernelVersions,
  packageVersions,
  parseDpkgStatus,
  parseFirstBootStatus,
  parseImageEnv,
  parseOsRelease,
  summariseSeed,
} from '../../../src/inspect/parse.js';
import type { InspectReport } from '../../../src/inspect/types.js';

describe('os-release', () => {
  it('reads quoted and bare values', () => {
    expect(
      parseOsRelease(
        'PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nID=debian\nVERSION_ID="13"\nVERSION_CODENAME=trixie\n',
      ),
    ).toEqual({
      prettyName: 'Debian GNU/Linux 13 (trixie)',
      id: 'debian',
      versionId: '13',
      codename: 'trixie',
    });
  });
  it('is undefined for text that is not an os-release', () => {
    expect(parseOsRelease('hello\n')).toBeUndefined();
  });
});

const status = `Package: docker.io
Status: install ok installed
Version: 20.10.24+dfsg1-1+b3

Package: docker-ce
Status: deinstall ok config-files
Version: 5:27.0.1-1~debian.12~bookworm

Package: containerd.io
Status: install ok installed
Version: 1.7.18-1

Package: linux-image-6.1.0-50-arm64
Status: install ok installed
Version: 6.1.176-1

Package: linux-image-arm64
Status: install ok installed
Version: 6.1.176-1
`;

describe('dpkg status', () => {
  const installed = parseDpkgStatus(status);
  it('keeps installed packages only', () => {
    expect([...installed.keys()]).toEqual([
      'docker.io',
      'containerd.io',
      'linux-image-6.1.0-50-arm64',
      'linux-image-arm64',
    ]);
  });
  it('names Docker, containerd and friends by the package that provides them', () => {
    expect(packageVersions(installed)).toEqual({
      docker: { package: 'docker.io', version: '20.10.24+dfsg1-1+b3' },
      containerd: { package: 'containerd.io', version: '1.7.18-1' },
    });
  });
  it('lists kernels from /boot and from linux-image-<version> packages, not the meta package', () => {
    expect(kernelVersions(['vmlinuz-6.1.0-49-arm64', 'config-6.1.0-49-arm64'], installed)).toEqual([
      '6.1.0-49-arm64',
      '6.1.0-50-arm64',
    ]);
  });
});

describe('seed summary', () => {
  const files = ['/armada/seed.env', '/armada/authorized_keys', '/armada/tls/server-key.pem'];
  it('shows who and how, and only whether secrets are set', () => {
    const s = summariseSeed(files, {
      seedEnv:
        "HOSTNAME='pi-1'\nUSERNAME='ann'\nPASSWORD_HASH='$6$salt$hash'\nWIFI_SSID='it'\\''s home'\nWIFI_PSK='" +
        'f'.repeat(64) +
        "'\nTLS_MODE='laptop'\nINSECURE_TCP='1'\n",
      authorizedKeys: 'ssh-ed25519 AAAA a\n# comment\nssh-rsa BBBB b\n',
    });
    expect(s).toMatchObject({
      hostname: 'pi-1',
      user: 'ann',
      tlsMode: 'laptop',
      insecureTcp: true,
      wifiSsid: "it's home",
      sshKeys: 2,
      passwordHashSet: true,
      wifiPskSet: true,
      serverKeyOnCard: true,
      files: ['seed.env', 'authorized_keys', 'tls/server-key.pem'],
      problems: [],
    });
    expect(JSON.stringify(s)).not.toMatch(/\$6\$|ffffffff/);
  });
  it('counts a malformed line without echoing it (it may hold a secret)', () => {
    const s = summariseSeed(files, { seedEnv: "HOSTNAME='x'\nPASSWORD_HASH=$6$oops\n" });
    expect(s.problems).toEqual(['armada/seed.env has 1 line first boot will not read']);
    expect(JSON.stringify(s)).not.toContain('oops');
  });
  it('ignores a certificate it cannot parse', () => {
    expect(summariseSeed(files, { caPem: 'not a certificate' }).certificates).toEqual({});
  });
});

describe('status.json', () => {
  it('keeps the documented fields', () => {
    expect(
      parseFirstBootStatus(
        '{"hostname":"pi","endpoint":"tcp://pi.local:2376","tlsMode":"device","serverCertSha256":null,"seconds":37,"insecureTcp":false,"version":"0.1.0","ok":false,"failedSteps":["tls"],"extra":1}',
      ),
    ).toEqual({
      ok: false,
      hostname: 'pi',
      endpoint: 'tcp://pi.local:2376',
      tlsMode: 'device',
      seconds: 37,
      insecureTcp: false,
      version: '0.1.0',
      failedSteps: ['tls'],
    });
  });
  it('says when it is not JSON', () => {
    expect(parseFirstBootStatus('{')).toEqual({ error: 'armada/status.json is not valid JSON' });
  });
  it('keeps every interface’s addresses that first boot reported (issue 17)', () => {
    const status = parseFirstBootStatus(
      '{"ok":true,"failedSteps":[],"interfaces":{"enp0s2":["10.99.0.12/24","fe80::1/64"],"lan1":[],"bad":[1,"10.0.0.1/8"]}}',
    );
    expect(status).toMatchObject({
      interfaces: { enp0s2: ['10.99.0.12/24', 'fe80::1/64'], lan1: [], bad: ['10.0.0.1/8'] },
    });
  });
});

describe('filesystem labels from superblocks', () => {
  it('reads an ext4 label', () => {
    const b = Buffer.alloc(2048);
    b.writeUInt16LE(0xef53, 1024 + 56);
    b.writeUInt32LE(0x40, 1024 + 96);
    b.write('rootfs', 1024 + 120, 'latin1');
    expect(filesystemOf(b)).toEqual({ fs: 'ext4', label: 'rootfs' });
  });
  it('reads a FAT32 label and leaves out NO NAME', () => {
    const b = Buffer.alloc(2048);
    b[510] = 0x55;
    b[511] = 0xaa;
    b.write('FAT32   ', 0x52, 'latin1');
    b.write('BOOTFS     ', 0x47, 'latin1');
    expect(filesystemOf(b)).toEqual({ fs: 'vfat (FAT32)', label: 'BOOTFS' });
    b.write('NO NAME    ', 0x47, 'latin1');
    expect(filesystemOf(b)).toEqual({ fs: 'vfat (FAT32)' });
  });
  it('is undefined for anything else', () => {
    expect(filesystemOf(Buffer.alloc(2048, 1))).toBeUndefined();
  });
});

it('reads armada’s image.env', () => {
  expect(parseImageEnv("ARMADA_VERSION='0.1.0'\nBUILT_AT='2026-12-02T01:00:00Z'\n")).toEqual({
    version: '0.1.0',
    builtAt: '2026-12-02T01:00:00Z',
  });
});

describe('human output', () => {
  const report: InspectReport = {
    target: 'pi.img',
    kind: 'image',
    sizeBytes: 1610612736,
    layout: {
      label: 'dos',
      diskId: '1a2b3c4d',
      partitions: [
        {
          n: 1,
          type: 'c',
          bootable: true,
          offsetBytes: 4194304,
          sizeBytes: 268435456,
          fs: 'vfat (FAT32)',
          label: 'BOOTFS',
        },
        {
          n: 2,
          type: '83',
          bootable: false,
          offsetBytes: 272629760,
          sizeBytes: 1337982976,
          fs: 'ext4',
          label: 'rootfs',
        },
      ],
    },
    os: { prettyName: 'Debian GNU/Linux 13 (trixie)', id: 'debian', versionId: '13' },
    armada: { version: '0.1.0' },
    kernels: ['6.12.118+deb13-arm64'],
    kernelCheck: {
      ok: true,
      file: 'p2:/boot/config-6.12.118+deb13-arm64',
      summary: 'ok: all required',
      missingRequired: [],
    },
    packages: { docker: { package: 'docker.io', version: '26.1.5' } },
    piModels: [
      { id: 'pi4b', name: 'Raspberry Pi 4 Model B', claimed: true, boots: true, missing: [] },
      { id: 'pi5', name: 'Raspberry Pi 5', claimed: false, boots: false, missing: ['x'] },
    ],
    bootChain: [
      {
        model: 'pi4b',
        name: 'Raspberry Pi 4 Model B',
        claimed: true,
        dtb: 'bcm2711-rpi-4-b.dtb',
        proven: true,
        targets: [],
        links: [],
        gaps: [],
      },
      {
        model: 'pi5',
        name: 'Raspberry Pi 5',
        claimed: false,
        dtb: 'bcm2712-rpi-5-b.dtb',
        proven: false,
        targets: [],
        links: [],
        gaps: [
          {
            path: '/soc@107c000000/mmc@fff000',
            purpose: 'root',
            why: 'target: SD card slot',
            compatible: 'brcm,bcm2712-sdhci',
            missing: [],
            message: 'no driver in this kernel matches brcm,bcm2712-sdhci',
          },
        ],
      },
    ],
    seed: null,
    firstBoot: { ok: false, insecureTcp: false, failedSteps: ['tls', 'docker'], seconds: 12 },
    warnings: [],
  };
  it('has one line per fact', () => {
    expect(formatInspect(report)).toMatchInlineSnapshot(`
      "pi.img (image file, 1.5 GiB)
        layout        MBR, disk id 1a2b3c4d, 2 partitions
          p1  vfat (FAT32) "BOOTFS"  at 4 MiB     256 MiB, bootable
          p2  ext4 "rootfs"          at 260 MiB   1.2 GiB
        OS            Debian GNU/Linux 13 (trixie)
        armada        0.1.0
        kernels       6.12.118+deb13-arm64
        kernel check  ok: all required
        Docker        26.1.5 (docker.io)
        containerd    not installed
        runc          not installed
        Compose       not installed
        buildx        not installed
        Pi models     boots 4B; not 5 (see the warnings)
        boot chain    proven 4B; not 5 (not claimed): /soc@107c000000/mmc@fff000 brcm,bcm2712-sdhci: no driver in this kernel matches brcm,bcm2712-sdhci
        seed          none: first boot brings the card up as 'armada' with DHCP
        first boot    failed steps: tls, docker in 12 s"
    `);
  });
  it('sizes in binary units', () => {
    expect([formatSize(512), formatSize(4194304), formatSize(1610612736)]).toEqual([
      '512 B',
      '4 MiB',
      '1.5 GiB',
    ]);
  });
});
