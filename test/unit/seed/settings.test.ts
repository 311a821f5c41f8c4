import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  mergeSettings as mergeSettingsApi,
  hostnameFor,
  type MergeInput,
} from '../../../src/seed/settings.js';
import { parseUserData } from '../../../src/seed/user-data.js';
import { asCli } from '../../helpers/as-cli.js';

const mergeSettings = asCli(mergeSettingsApi);

const ed25519 =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICthKi5dhyo0I4rAbxZReVryOJuN6aYjfDsfzQBtx6FN pirate@laptop';
const key = { source: 'id_ed25519.pub', line: ed25519 };

function userData(name: string): MergeInput['userData'] {
  const text = readFileSync(new URL(`../../fixtures/seed/${name}`, import.meta.url), 'utf8');
  const r = parseUserData(text);
  if (!r.ok) throw new Error('fixture should parse');
  return { settings: r.settings };
}

function merged(input: Partial<MergeInput>) {
  const r = mergeSettings({ flags: {}, sshKeys: [], count: 1, ...input });
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return r;
}

function errors(input: Partial<MergeInput>) {
  const r = mergeSettings({ flags: {}, sshKeys: [], count: 1, ...input });
  return r.ok ? [] : r.problems.filter((p) => p.severity === 'error');
}

describe('mergeSettings', () => {
  test('flags override user-data, user-data fills the rest', () => {
    const r = merged({
      flags: {
        hostname: 'deck-{n}',
        timezone: 'Europe/Paris',
        wifiPassword: 'new-passphrase',
        user: 'captain',
      },
      userData: userData('hypriot-wifi.yaml'),
    });
    expect(r.settings).toMatchObject({
      hostname: 'deck-{n}',
      timezone: 'Europe/Paris',
      tlsMode: 'laptop',
      insecureTcp: false,
    });
    expect(r.settings.user).toMatchObject({
      name: 'captain',
      password: 'hypriot',
      shell: '/bin/bash',
    });
    expect(r.settings.wifi).toEqual({
      ssid: 'Jolly Roger',
      passphrase: 'new-passphrase',
      country: 'DE',
    });
  });

  test('--password replaces a user-data hash; --ssh-key keys are added once', () => {
    const r = merged({
      flags: { password: 'pw' },
      sshKeys: [key, key],
      userData: userData('rpi-imager.yaml'),
    });
    expect(r.settings.user.passwordHash).toBeUndefined();
    expect(r.settings.user.password).toBe('pw');
    expect(r.settings.user.sshKeys).toEqual([ed25519]);
  });

  test('several cards need {n} in the hostname', () => {
    expect(errors({ flags: { hostname: 'pi' }, count: 3 })[0]).toMatchObject({
      path: '--hostname',
      fix: expect.stringContaining('pi-{n}'),
    });
    expect(merged({ flags: { hostname: 'pi-{n}', start: 7 }, count: 3 }).settings.hostname).toBe(
      'pi-{n}',
    );
    expect(hostnameFor('pi-{n}', 9)).toBe('pi-9');
  });

  test('{n} is checked with the widest number of the run', () => {
    const long = `${'x'.repeat(61)}-{n}`;
    expect(errors({ flags: { hostname: long, start: 1 }, count: 9 })).toEqual([]);
    expect(errors({ flags: { hostname: long, start: 1 }, count: 10 })[0].message).toMatch(
      /64 characters/,
    );
  });

  test('Wi-Fi must be complete: name, passphrase and country', () => {
    expect(
      errors({ flags: { wifiSsid: 'Home', wifiPassword: 'password1' } }).map((p) => p.path),
    ).toEqual(['--wifi-country']);
    expect(errors({ flags: { wifiSsid: 'Home', wifiCountry: 'DE' } }).map((p) => p.path)).toEqual([
      '--wifi-password',
    ]);
    expect(
      errors({ flags: { wifiPassword: 'password1', wifiCountry: 'DE' } }).map((p) => p.path),
    ).toEqual(['--wifi-ssid']);
    expect(merged({ flags: { wifiCountry: 'de' } }).settings).toMatchObject({ wifiCountry: 'DE' });
    expect(merged({ flags: { wifiCountry: 'de' } }).settings.wifi).toBeUndefined();
  });

  test('every flag problem is listed at once', () => {
    const ps = errors({
      flags: {
        hostname: 'a.b',
        user: 'root',
        timezone: 'Nowhere',
        locale: 'x',
        keymap: 'X',
        wifiSsid: 'x'.repeat(33),
        wifiPassword: 'short',
        wifiCountry: 'ZZ',
        tls: 'none' as never,
        start: -1,
      },
      sshKeys: [{ source: 'bad.pub', line: 'ssh-ed25519 AAAA' }],
    });
    expect(ps.map((p) => p.path).sort()).toEqual(
      [
        '--hostname',
        '--keymap',
        '--locale',
        '--ssh-key bad.pub',
        '--start',
        '--timezone',
        '--tls',
        '--user',
        '--wifi-country',
        '--wifi-password',
        '--wifi-ssid',
      ].sort(),
    );
  });

  test('warnings: no login, --user without a login, --insecure-tcp', () => {
    expect(merged({}).warnings.map((w) => w.path)).toEqual(['--ssh-key']);
    expect(merged({ flags: { user: 'pi' } }).warnings.map((w) => w.path)).toEqual([
      '--user',
      '--ssh-key',
    ]);
    expect(merged({ flags: { insecureTcp: true }, sshKeys: [key] }).warnings[0].message).toMatch(
      /WITHOUT TLS/,
    );
  });

  test('--no-security-updates is warned about; --no-live-restore is not', () => {
    const off = merged({ flags: { securityUpdates: false, liveRestore: false }, sshKeys: [key] });
    expect(off.warnings.map((w) => [w.path, w.message])).toEqual([
      ['--no-security-updates', 'the device will not install security updates by itself'],
    ]);
    expect(off.settings).toMatchObject({ securityUpdates: false, liveRestore: false });
    expect(merged({ sshKeys: [key] }).settings).toMatchObject({
      securityUpdates: true,
      liveRestore: true,
    });
  });
});

describe('one problem per mistake', () => {
  test('--start 1.5 and --start abc are one problem each, no NaN, no hostname follow-on', () => {
    for (const start of [1.5, NaN, -2]) {
      const ps = errors({ flags: { start, hostname: 'pi-{n}' }, count: 2 });
      expect(ps.map((p) => p.path)).toEqual(['--start']);
      expect(ps[0].message).not.toMatch(/NaN/);
    }
    expect(errors({ flags: { start: NaN } })[0].message).toBe('--start is not a number');
  });

  test('--locale and --keymap must name something that exists', () => {
    expect(errors({ flags: { locale: 'en_GB.UTF-8', keymap: 'gb' } })).toEqual([]);
    expect(errors({ flags: { locale: 'de_DE.utf8', keymap: 'us,de' } })).toEqual([]);
    expect(errors({ flags: { locale: 'xx_YY.UTF-8' } })[0].message).toMatch(/unknown/);
    expect(errors({ flags: { keymap: 'qq' } })[0].message).toBe("keyboard layout 'qq' is unknown");
    expect(errors({ flags: { keymap: 'us,zz' } })[0].message).toMatch(/'zz' is unknown/);
  });

  test('a weak --password is accepted with a warning that says why', () => {
    const w = (password: string) =>
      merged({ flags: { password } }).warnings.find((p) => p.path === '--password')?.message;
    expect(w('x')).toMatch(/weak \(1 character\)/);
    expect(w('raspberry')).toMatch(/well-known/);
    expect(w('12345678')).toMatch(/digits only/);
    expect(w('correct horse battery')).toBeUndefined();
  });
});

describe('open Wi-Fi and --sudo', () => {
  test('--wifi-open joins a network without a passphrase; contradictions are problems', async () => {
    const { planSeed } = await import('../../../src/seed/plan.js');
    const { parseSeedEnv } = await import('../../../src/seed/seed-env.js');
    const s = merged({
      flags: { wifiSsid: 'Cafe', wifiOpen: true, wifiCountry: 'de', tls: 'device' },
    }).settings;
    expect(s.wifi).toEqual({ ssid: 'Cafe', country: 'DE' });
    const env = parseSeedEnv(String(planSeed(s, 1)[0].content));
    expect(env).toMatchObject({ WIFI_SSID: 'Cafe', WIFI_COUNTRY: 'DE' });
    expect(env.WIFI_PSK).toBeUndefined();
    expect(
      errors({
        flags: { wifiSsid: 'Cafe', wifiOpen: true, wifiPassword: 'password1', wifiCountry: 'DE' },
      }).map((p) => p.path),
    ).toEqual(['--wifi-open']);
    expect(errors({ flags: { wifiSsid: 'Cafe', wifiCountry: 'DE' } })[0].fix).toMatch(
      /--wifi-open/,
    );
  });

  test('--sudo nopasswd|password|none become the sudoers rule first boot writes', async () => {
    const { planSeed } = await import('../../../src/seed/plan.js');
    const { parseSeedEnv } = await import('../../../src/seed/seed-env.js');
    const sudoOf = (sudo: 'nopasswd' | 'password' | 'none') => {
      const s = merged({
        flags: { sudo, password: 'long enough pw', tls: 'device' },
      }).settings;
      s.user = { ...s.user, passwordHash: '$6$salt$' + 'x'.repeat(86) };
      delete s.user.password;
      return parseSeedEnv(String(planSeed(s, 1)[0].content)).USER_SUDO;
    };
    expect(sudoOf('nopasswd')).toBe('ALL=(ALL) NOPASSWD:ALL');
    expect(sudoOf('password')).toBe('ALL=(ALL) ALL');
    expect(sudoOf('none')).toBe('');
    expect(
      errors({ flags: { sudo: 'password', sshKey: ['k'] }, sshKeys: [] }).map((p) => p.path),
    ).toEqual(['--sudo']);
  });
});
