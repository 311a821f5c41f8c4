import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { parseUserData, type UserDataResult } from '../../../src/seed/user-data.js';
import type { Problem } from '../../../src/seed/types.js';
import { formatProblem } from '../../../src/seed/yaml-problems.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/seed/${name}`, import.meta.url), 'utf8');
const ed25519 =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICthKi5dhyo0I4rAbxZReVryOJuN6aYjfDsfzQBtx6FN pirate@laptop';

function ok(r: UserDataResult) {
  if (!r.ok)
    throw new Error(
      `expected ok, got:\n${r.problems.map((p) => `${p.line}: ${p.path}: ${p.message}`).join('\n')}`,
    );
  return r;
}
function problems(r: UserDataResult): Problem[] {
  if (r.ok) throw new Error('expected problems');
  return r.problems;
}
const at = (ps: Problem[], path: string) => ps.filter((p) => p.path === path);

describe('parseUserData on HypriotOS-style files', () => {
  test('wifi sample: password user, wpa_supplicant converted, runcmd kept, harmless keys warned', () => {
    const r = ok(parseUserData(fixture('hypriot-wifi.yaml')));
    const s = r.settings;
    expect(s.hostname).toBe('black-pearl');
    expect(s.user).toMatchObject({
      name: 'pirate',
      password: 'hypriot',
      sudo: 'ALL=(ALL) NOPASSWD:ALL',
      shell: '/bin/bash',
      gecos: 'Hypriot Pirate',
      groups: ['users', 'docker', 'video'],
    });
    expect(s.sshPwauth).toBe(true);
    expect(s.timezone).toBe('Europe/Berlin');
    expect(s.wifi).toEqual({ ssid: 'Jolly Roger', passphrase: 'shiver-me-timbers', country: 'DE' });
    // The wpa_supplicant.conf is converted, the interfaces file is written (and reported).
    expect(s.writeFiles.map((f) => f.path)).toEqual(['/etc/network/interfaces.d/wlan0']);
    expect(s.runcmd).toEqual(['systemctl restart avahi-daemon', 'ifup wlan0']);
    const warned = r.warnings.map((w) => `${w.line} ${w.path}`);
    expect(warned).toEqual(
      expect.arrayContaining([
        '8 manage_etc_hosts',
        '18 users[0].ssh_pwauth',
        '19 users[0].chpasswd',
        '24 package_upgrade',
        '32 write_files[0].path',
        '33 write_files[1]',
      ]),
    );
    expect(r.warnings.every((w) => w.severity === 'warning' && w.fix)).toBe(true);
  });

  test('pubkey sample: two keys, lock_passwd, ignored user keys are warnings', () => {
    const r = ok(parseUserData(fixture('hypriot-pubkey.yaml')));
    expect(r.settings.user.name).toBe('jack');
    expect(r.settings.user.sshKeys).toHaveLength(2);
    expect(r.settings.user.password).toBeUndefined();
    expect(r.settings.runcmd[1]).toEqual([
      'docker',
      'run',
      '-d',
      '--restart=always',
      '-p',
      '80:80',
      '--name',
      'web',
      'nginx:alpine',
    ]);
    expect(r.warnings.map((w) => w.path)).toEqual(
      expect.arrayContaining([
        'users[0].primary-group',
        'users[0].ssh-import-id',
        'apt_preserve_sources_list',
      ]),
    );
  });

  test('static sample: dhcpcd.conf reported, ethernets parsed, write_files decoded (b64, gz+b64, YAML 1.1 octal)', () => {
    const r = ok(parseUserData(fixture('hypriot-static.yaml')));
    const files = Object.fromEntries(r.settings.writeFiles.map((f) => [f.path, f]));
    expect(files['/etc/motd']).toMatchObject({ mode: 0o644, owner: 'root:root', append: false });
    expect(Buffer.from(files['/usr/local/bin/hello'].content).toString()).toBe(
      '#!/bin/sh\necho "ahoy"\n',
    );
    expect(files['/usr/local/bin/hello']).toMatchObject({ mode: 0o755, owner: 'pirate:users' });
    expect(Buffer.from(files['/etc/armada-notes.txt'].content).toString()).toBe('ahoy matey\n');
    expect(files['/etc/armada-notes.txt'].append).toBe(true);
    expect(r.settings.ethernets).toEqual([
      {
        id: 'eth0',
        match: { name: 'eth0' },
        dhcp4: false,
        dhcp6: false,
        addresses: ['192.168.1.31/24'],
        gateway4: '192.168.1.1',
        routes: [],
        nameservers: ['192.168.1.1', '9.9.9.9'],
        searchDomains: ['home.lan'],
        optional: false,
      },
    ]);
    expect(r.warnings.find((w) => w.path === 'network.ethernets.eth0.gateway4')?.message).toMatch(
      /deprecated in cloud-init 22\.4/,
    );
    expect(r.warnings.find((w) => w.path === 'write_files[0].path')?.message).toMatch(
      /dhcpcd is not used/,
    );
  });
});

describe('parseUserData on Raspberry Pi Imager-style files', () => {
  test('cloud-init customisation with network-config wifis', () => {
    const r = ok(parseUserData(fixture('rpi-imager.yaml')));
    expect(r.settings.user).toMatchObject({
      name: 'pi',
      passwordHash: '$5$Imager5Salt$dl772XxhBJIgGod/G5ExIQquTlN5uFANTq9pfXBZSZ7',
      sshKeys: [ed25519],
    });
    expect(r.settings.user.groups).toContain('sudo');
    expect(r.settings).toMatchObject({
      hostname: 'raspberrypi',
      timezone: 'Europe/London',
      keymap: 'gb',
      sshPwauth: true,
    });
    expect(r.settings.wifi).toEqual({
      ssid: 'Pi Lab 5G',
      passphrase: 'correct horse battery staple',
      country: 'GB',
    });
    expect(r.warnings.map((w) => w.path)).toEqual(
      expect.arrayContaining(['packages', 'apt', 'manage_etc_hosts', 'network.wifis.renderer']),
    );
    // keyboard.model pc105 is the default and not worth a warning
    expect(r.warnings.some((w) => w.path.startsWith('keyboard'))).toBe(false);
  });

  test('wpa_supplicant.conf with a 64-hex PSK and a tab-indented network block', () => {
    const r = ok(parseUserData(fixture('rpi-imager-wpa.yaml')));
    expect(r.settings.wifi).toEqual({
      ssid: 'Pi Lab',
      passphrase: '0dc0d6eb90555ed6419756b9a15ec3e3209b63df707dd508d14581f8982721af',
      country: 'GB',
    });
    expect(r.settings.writeFiles).toEqual([]);
    expect(r.settings.locale).toBe('en_GB.UTF-8');
  });
});

describe('parseUserData reports every problem at once, with line and fix', () => {
  test('a file with many mistakes', () => {
    const ps = problems(
      parseUserData(fixture('bad-everything.yaml'), {
        zoneExists: (tz) => tz !== 'Mars/Olympus_Mons',
      }),
    );
    const lines = Object.fromEntries(
      ps.filter((p) => p.severity === 'error').map((p) => [p.path, p.line]),
    );
    expect(lines).toMatchObject({
      hostname: 2,
      timezone: 3,
      locale: 4,
      'keyboard.layout': 6,
      'users[0].name': 8,
      'users[0].passwd': 9,
      'users[0].ssh_authorized_keys[0]': 11,
      'users[1]': 13,
      bootcmd: 14,
      packages: 16,
      'write_files[0].path': 20,
      'write_files[1].permissions': 23,
      'write_files[1].encoding': 24,
      'network.wifis.wlan0.regulatory-domain': 30,
      runcmd: 34,
    });
    expect(at(ps, 'keyboard.layout')[0].message).toMatch(/read as false/);
    expect(at(ps, 'users[0].homedir')[0].severity).toBe('warning');
    expect(at(ps, 'package_update')[0].severity).toBe('warning');
    expect(
      ps
        .filter((p) => p.path.startsWith('network.wifis.wlan0.access-points'))
        .map((p) => p.message)
        .join(' '),
    ).toMatch(/47 bytes.*5 characters/);
    expect(ps.every((p) => p.message && p.fix && p.line)).toBe(true);
    // sorted by line, so the list reads top to bottom like the file
    expect(ps.map((p) => p.line)).toEqual([...ps.map((p) => p.line)].sort((a, b) => a! - b!));
  });

  test('YAML syntax errors carry their line', () => {
    const ps = problems(parseUserData(fixture('bad-syntax.yaml')));
    expect(ps[0]).toMatchObject({ severity: 'error', line: 5 });
    expect(ps[0].message).toMatch(/^YAML syntax/);
  });

  test('unknown keys are errors, never dropped', () => {
    const ps = problems(
      parseUserData('#cloud-config\nhostname: a\nmounts: [[sda1, /mnt]]\nsnap: {}\n'),
    );
    expect(ps.map((p) => [p.path, p.severity, p.line])).toEqual([
      ['mounts', 'error', 3],
      ['snap', 'error', 4],
    ]);
  });

  test('shell scripts and files without #cloud-config', () => {
    expect(problems(parseUserData('#!/bin/sh\necho hi\n'))[0].message).toMatch(
      /scripts are not supported/,
    );
    const r = ok(parseUserData('hostname: pi\n'));
    expect(r.warnings[0].message).toMatch(/not #cloud-config/);
  });

  test('an empty cloud-config is fine', () => {
    expect(ok(parseUserData('#cloud-config\n')).settings.user).toEqual({ sshKeys: [], groups: [] });
  });
});

describe('parseUserData details', () => {
  test('keys named like Object.prototype members are unsupported keys, not known ones', () => {
    const ps = problems(
      parseUserData(
        '#cloud-config\nconstructor: 1\n__proto__: 2\ntoString: 3\nusers: [{name: pi, constructor: x, hasOwnProperty: y}]\n',
      ),
    );
    for (const path of ['constructor', '__proto__', 'toString', 'users[0].constructor'])
      expect(at(ps, path), path).toHaveLength(1);
    expect(ps.every((p) => p.severity === 'error')).toBe(true);
    expect(ps.map((p) => p.message).join('\n')).not.toMatch(/function|native code/);
  });

  test('chpasswd list and users forms; expire ignored with a warning', () => {
    const r = ok(
      parseUserData(
        '#cloud-config\nusers: [{name: pi}]\nchpasswd:\n  expire: false\n  list: |\n    pi:s3cret\n',
      ),
    );
    expect(r.settings.user.password).toBe('s3cret');
    expect(r.warnings.map((w) => w.path)).toContain('chpasswd.expire');
    const hashed =
      '$6$pirateSalt$wWj32vFuUQe9s2vq8.Qnro3IHqjXM2GwLyhv6./0ySD2d1UkfX1ahR8UYWvi4gxsJLM7DIoCaj7tbL4C1/z9S/';
    const r2 = ok(
      parseUserData(
        `#cloud-config\nusers: [{name: pi}]\nchpasswd:\n  users:\n    - {name: pi, password: '${hashed}', type: HASH}\n`,
      ),
    );
    expect(r2.settings.user.passwordHash).toBe(hashed);
    const ps = problems(
      parseUserData('#cloud-config\nusers: [{name: pi}]\nchpasswd: {list: ["root:toor"]}\n'),
    );
    expect(ps[0]).toMatchObject({ path: 'chpasswd.list[0]', line: 3 });
  });

  test('lock_passwd: true drops the password with a warning', () => {
    const r = ok(
      parseUserData(
        '#cloud-config\nusers:\n  - name: pi\n    lock_passwd: true\n    plain_text_passwd: pw\n',
      ),
    );
    expect(r.settings.user.password).toBeUndefined();
    expect(r.warnings[0]).toMatchObject({ path: 'users[0].lock_passwd', line: 4 });
  });

  test("'default' user, top-level keys and password belong to the login user", () => {
    const r = ok(
      parseUserData(
        `#cloud-config\nusers: [default]\nssh_authorized_keys: ['${ed25519}']\npassword: pw12345\nssh_pwauth: yes\n`,
      ),
    );
    expect(r.settings.user).toMatchObject({ sshKeys: [ed25519], password: 'pw12345' });
    expect(r.settings.sshPwauth).toBe(true); // YAML 1.1: yes is true, as in cloud-init
    expect(r.warnings[0].path).toBe('users[0]');
  });

  test('gzip content given as !!binary', () => {
    const b64 = gzipSync('binary ok').toString('base64');
    const r = ok(
      parseUserData(
        `#cloud-config\nwrite_files:\n  - path: /x\n    encoding: gzip\n    content: !!binary |\n      ${b64}\n`,
      ),
    );
    expect(Buffer.from(r.settings.writeFiles[0].content).toString()).toBe('binary ok');
  });

  test('broken base64 and gzip are errors', () => {
    const ps = problems(
      parseUserData(
        '#cloud-config\nwrite_files:\n  - {path: /a, encoding: b64, content: "not base64!"}\n  - {path: /b, encoding: gz+b64, content: aGVsbG8=}\n',
      ),
    );
    expect(ps.map((p) => p.path)).toEqual(['write_files[0].content', 'write_files[1].content']);
  });

  test('netplan: top-level wifis, ethernets with routes, unsupported keys', () => {
    const r = ok(
      parseUserData(
        '#cloud-config\nwifis:\n  wlan0:\n    regulatory-domain: fr\n    access-points:\n      Maison:\n        auth: {key-management: psk, password: motdepasse}\nethernets:\n  en:\n    match: {name: "en*"}\n    dhcp4: true\n    routes: [{to: default, via: 10.0.0.1, metric: 100}]\n',
      ),
    );
    expect(r.settings.wifi).toEqual({ ssid: 'Maison', passphrase: 'motdepasse', country: 'FR' });
    expect(r.settings.ethernets[0]).toMatchObject({
      id: 'en',
      match: { name: 'en*' },
      dhcp4: true,
      routes: [{ to: '0.0.0.0/0', via: '10.0.0.1', metric: 100 }],
    });
    const ps = problems(parseUserData('#cloud-config\nnetwork:\n  version: 1\n'));
    expect(ps[0]).toMatchObject({ path: 'network.version', line: 3 });
  });

  test('Norway: an unquoted NO country is caught', () => {
    const ps = problems(
      parseUserData(
        '#cloud-config\nwifis:\n  wlan0:\n    regulatory-domain: NO\n    access-points: {Hytte: {password: 12345678}}\n',
      ),
    );
    expect(ps[0].message).toMatch(/read as false/);
  });
});

describe('write_files content types', () => {
  test('a mapping as content is an error, numbers are text', () => {
    const ps = problems(
      parseUserData('#cloud-config\nwrite_files:\n  - {path: /a, content: {x: 1}}\n'),
    );
    expect(ps[0]).toMatchObject({ path: 'write_files[0].content', line: 3 });
    const r = ok(parseUserData('#cloud-config\nwrite_files:\n  - {path: /a, content: 42}\n'));
    expect(Buffer.from(r.settings.writeFiles[0].content).toString()).toBe('42');
  });
});

describe('YAML anchors and aliases', () => {
  test('are refused, each as one line naming where it is; nothing else is read', () => {
    const text = [
      '#cloud-config',
      'x-pass: &pw s3cret-value',
      'users:',
      '  - name: pi',
      '    plain_text_passwd: *pw',
      '    groups: [docker]',
      'write_files:',
      '  - {path: /etc/a, content: &body "hello"}',
      '  - {path: /etc/b, content: *body}',
      '',
    ].join('\n');
    const ps = problems(parseUserData(text));
    expect(ps.map((p) => formatProblem(p, 'user-data.yaml'))).toEqual([
      "user-data.yaml:2: (document): YAML anchor '&pw' is not accepted (armada reads every value where it is written) — remove '&pw' and write the value out wherever it is used",
      "user-data.yaml:5: (document): YAML alias '*pw' is not accepted (armada reads every value where it is written) — write the value out here instead of '*pw'",
      "user-data.yaml:8: (document): YAML anchor '&body' is not accepted (armada reads every value where it is written) — remove '&body' and write the value out wherever it is used",
      "user-data.yaml:9: (document): YAML alias '*body' is not accepted (armada reads every value where it is written) — write the value out here instead of '*body'",
    ]);
    // & and * inside values, quotes and comments are text.
    ok(
      parseUserData(
        '#cloud-config\n# see &notes and *this*\nruncmd:\n  - "echo a & b"\n  - echo 2*3 &\n  - [sh, -c, "ls *"]\n',
      ),
    );
  });
});
