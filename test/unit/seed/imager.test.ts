/**
 * Raspberry Pi Imager 2's cloud-init files (test/fixtures/seed/imager2*, shaped as Imager's
 * customisation generator writes them): accepted as they are, every key applied or named in a
 * warning; and what `armada configure <card>` does with them on a card.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parseUserData } from '../../../src/seed/user-data.js';
import { parseNetworkConfig } from '../../../src/seed/network-config.js';
import {
  cmdlineWithoutFirstrun,
  parseImported,
  planImport,
  rootNames,
} from '../../../src/seed/card-import.js';
import { mergeSettings } from '../../../src/seed/settings.js';
import { asCli } from '../../helpers/as-cli.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/seed/${name}`, import.meta.url), 'utf8');
const ed25519 =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICthKi5dhyo0I4rAbxZReVryOJuN6aYjfDsfzQBtx6FN pirate@laptop';
const psk = '1b53013ac2745608a646ba32f15e6450705463ab3a3ca47c0659723c8c05c72b';

/** Every top-level key of an Imager user-data: applied by armada, or warned about by name. */
const applied = new Set([
  'hostname',
  'timezone',
  'keyboard',
  'users',
  'ssh_pwauth',
  'runcmd',
  'manage_resolv_conf',
]);

describe('Imager 2 user-data is accepted as it is', () => {
  test.each(['imager2/user-data', 'imager2-keys-only/user-data'])('%s', (name) => {
    const text = fixture(name);
    const r = parseUserData(text);
    if (!r.ok) throw new Error(r.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
    const keys = [...text.matchAll(/^([a-z_]+):/gm)].map((m) => m[1]);
    for (const key of keys.filter((k) => !applied.has(k)))
      expect(
        r.warnings.some((w) => w.path === key && w.message.includes(key)),
        `${key} is warned about by name`,
      ).toBe(true);
    // manage_resolv_conf: false asks for what armada does anyway.
    expect(r.warnings.some((w) => w.path === 'manage_resolv_conf')).toBe(false);
  });

  test('password and key user: hash, key, sudo, keyboard, time zone, host name', () => {
    const r = parseUserData(fixture('imager2/user-data'));
    if (!r.ok) throw new Error('not ok');
    expect(r.settings).toMatchObject({
      hostname: 'pi-lab',
      timezone: 'Europe/London',
      keymap: 'gb',
      sshPwauth: false,
      user: {
        name: 'pi',
        passwordHash: '$5$Imager5Salt$dl772XxhBJIgGod/G5ExIQquTlN5uFANTq9pfXBZSZ7',
        sshKeys: [ed25519],
        sudo: 'ALL=(ALL) NOPASSWD:ALL',
        shell: '/bin/bash',
      },
    });
    expect(r.warnings.find((w) => w.path === 'rpi')?.message).toMatch(/I2C, SPI/);
  });

  test('keys-only user with passwordless sudo: no login warning at all', () => {
    const r = parseUserData(fixture('imager2-keys-only/user-data'));
    if (!r.ok) throw new Error('not ok');
    expect(r.settings.user).toMatchObject({ name: 'ada', sshKeys: [ed25519] });
    expect(r.settings.user.passwordHash).toBeUndefined();
    expect(r.warnings.filter((w) => w.path.startsWith('users') || w.path === 'ssh_pwauth')).toEqual(
      [],
    );
    expect(r.settings.runcmd[0]).toEqual(['rfkill', 'unblock', 'wifi']);
  });

  test('manage_resolv_conf other than false is ignored with a warning that names it', () => {
    const r = parseUserData('#cloud-config\nmanage_resolv_conf: true\n');
    if (!r.ok) throw new Error('not ok');
    expect(r.warnings.map((w) => w.message)).toEqual([
      expect.stringMatching(/^manage_resolv_conf is ignored/),
    ]);
  });
});

describe('Imager 2 network-config', () => {
  test('eth0 DHCP and wlan0 with the regulatory domain and the 64-hex PSK', () => {
    const r = parseNetworkConfig(fixture('imager2/network-config'));
    if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('\n'));
    expect(r.network.wifi).toEqual({ ssid: 'Pi Lab 5G', passphrase: psk, country: 'GB' });
    expect(r.network.ethernets).toEqual([
      expect.objectContaining({ id: 'eth0', dhcp4: true, dhcp6: true, optional: true }),
    ]);
    // no "#cloud-config" warning: network-config never has that line
    expect(r.warnings.map((w) => w.path)).toEqual(['network.wifis.wlan0.optional']);
  });

  test('version 2 without the network: line, as cloud-init also takes it', () => {
    const r = parseNetworkConfig('version: 2\nethernets:\n  eth0:\n    dhcp4: true\n');
    if (!r.ok) throw new Error('not ok');
    expect(r.network.ethernets.map((e) => e.id)).toEqual(['eth0']);
  });

  test('problems carry their line; other versions and keys are refused', () => {
    const r = parseNetworkConfig('network:\n  version: 1\n');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems[0]).toMatchObject({ line: 2, path: 'network.version' });
    const extra = parseNetworkConfig('network:\n  version: 2\nhostname: x\n');
    expect(!extra.ok && extra.problems.map((p) => p.path)).toEqual(['hostname']);
  });
});

describe('parseImported: a card’s user-data and network-config as one user-data', () => {
  const files = {
    userData: { text: fixture('imager2/user-data'), label: 'card:user-data' },
    networkConfig: { text: fixture('imager2/network-config'), label: 'card:network-config' },
  };

  test('the pair seeds the user, Wi-Fi and eth0; flags laid over it win', () => {
    const r = parseImported(files);
    expect(r.found.filter((f) => f.problem.severity === 'error')).toEqual([]);
    expect(r.found.find((f) => f.problem.path === 'apt')?.file).toBe('card:user-data');
    const merged = mergeSettings({
      flags: { hostname: 'lab-{n}', tls: 'device' },
      sshKeys: [],
      userData: r.userData!,
      count: 1,
    });
    if (!merged.ok) throw new Error(merged.problems.map((p) => p.message).join('\n'));
    expect(merged.settings).toMatchObject({
      hostname: 'lab-{n}',
      user: { name: 'pi', sshKeys: [ed25519] },
      wifi: { ssid: 'Pi Lab 5G', passphrase: psk, country: 'GB' },
      ethernets: [expect.objectContaining({ id: 'eth0' })],
    });
    // Not "nobody can log in": the imported user has a key.
    expect(merged.warnings.map((w) => w.message).join('\n')).not.toMatch(/nobody can log in/);
  });

  test('network-config alone', () => {
    const r = parseImported({ networkConfig: files.networkConfig });
    expect(r.userData?.settings.wifi?.ssid).toBe('Pi Lab 5G');
  });

  test('Wi-Fi in both files is an error naming network-config', () => {
    const r = parseImported({
      userData: {
        text: '#cloud-config\nwifis:\n  wlan0:\n    access-points:\n      "A": {password: "12345678"}\n',
        label: 'card:user-data',
      },
      networkConfig: files.networkConfig,
    });
    expect(r.userData).toBeUndefined();
    expect(r.found.map((f) => `${f.file} ${f.problem.path} ${f.problem.severity}`)).toContain(
      'card:network-config wifis error',
    );
  });

  test('a broken file is reported, never half-imported', () => {
    const r = parseImported({
      userData: { text: '#cloud-config\nusers: [', label: 'c:user-data' },
    });
    expect(r.userData).toBeUndefined();
    expect(r.found[0]).toMatchObject({ file: 'c:user-data', problem: { severity: 'error' } });
  });
});

describe('planImport', () => {
  const card = rootNames([
    '/bootcode.bin',
    '/cmdline.txt',
    '/User-Data',
    '/network-config',
    '/meta-data',
    '/overlays/',
    '/overlays/vc4-kms-v3d.dtbo',
  ]);

  test('files at the root only, named as found', () => {
    expect(card).toEqual([
      'bootcode.bin',
      'cmdline.txt',
      'User-Data',
      'network-config',
      'meta-data',
    ]);
  });

  test('no --user-data: the files are imported, then removed with meta-data; one line says so', () => {
    const plan = planImport(card, false);
    expect(plan).toMatchObject({
      userData: 'User-Data',
      networkConfig: 'network-config',
      remove: ['User-Data', 'network-config', 'meta-data'],
    });
    expect(plan.info).toMatch(
      /^imported the card's Raspberry Pi Imager settings \(User-Data and network-config\)/,
    );
    expect(plan.info).not.toContain('\n');
    expect(plan.warn).toBeUndefined();
  });

  test('with --user-data the card’s files are left alone, and it says so', () => {
    const plan = asCli(planImport)(card, true);
    expect(plan.userData).toBeUndefined();
    expect(plan.remove).toEqual([]);
    expect(plan.warn).toMatch(/not imported: --user-data replaces them/);
  });

  test('Raspberry Pi OS files are named as not applied under an armada seed', () => {
    const plan = planImport(['ssh', 'userconf.txt', 'wpa_supplicant.conf'], false);
    expect(plan.remove).toEqual([]);
    expect(plan.info).toBeUndefined();
    expect(plan.warn).toMatch(
      /^ssh, userconf.txt and wpa_supplicant.conf on the boot partition are not applied/,
    );
  });

  test('firstrun.sh and its systemd.run= go, whatever else is given: armada would never boot', () => {
    for (const own of [false, true]) {
      const plan = planImport(['firstrun.sh', 'cmdline.txt'], own);
      expect(plan).toMatchObject({ remove: ['firstrun.sh'], cmdline: true });
      expect(plan.warn).toMatch(/^removed firstrun.sh .* and its systemd.run= from cmdline.txt/);
    }
  });

  test('a card without any of them: nothing to say', () => {
    expect(planImport(['cmdline.txt', 'config.txt'], false)).toEqual({ remove: [] });
  });
});

describe('cmdlineWithoutFirstrun', () => {
  test('drops Imager 1.x’s parameters, keeps every other token as written, one line', () => {
    expect(
      cmdlineWithoutFirstrun(
        'console=serial0,115200 root=PARTUUID=ab-02 quiet init="/x y" systemd.run=/boot/firstrun.sh systemd.run_success_action=reboot systemd.unit=kernel-command-line.target\n',
      ),
    ).toBe('console=serial0,115200 root=PARTUUID=ab-02 quiet init="/x y"\n');
  });

  test('nothing to drop: undefined (the file is not rewritten)', () => {
    expect(cmdlineWithoutFirstrun('root=/dev/mmcblk0p2 systemd.unit=multi-user.target\n')).toBe(
      undefined,
    );
  });
});
