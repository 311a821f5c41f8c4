/**
 * Open and hidden Wi-Fi from user-data (netplan access points and wpa_supplicant.conf in
 * write_files): what is accepted, what is refused with which fix, and what the seed carries.
 */
import { describe, expect, test } from 'vitest';
import { mergeSettings as mergeSettingsApi } from '../../../src/seed/settings.js';
import { parseSeedEnv } from '../../../src/seed/seed-env.js';
import { planSeed } from '../../../src/seed/plan.js';
import { parseUserData } from '../../../src/seed/user-data.js';
import { parseWpaSupplicant } from '../../../src/seed/wpa-supplicant.js';
import type { SeedFlags } from '../../../src/seed/types.js';
import { asCli } from '../../helpers/as-cli.js';

const mergeSettings = asCli(mergeSettingsApi);

const wifis = (ap: string) =>
  `#cloud-config\nwifis:\n  wlan0:\n    regulatory-domain: DE\n    access-points:\n${ap}`;

function wifiOf(text: string) {
  const r = parseUserData(text);
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return r.settings.wifi;
}

function problemsOf(text: string) {
  const r = parseUserData(text);
  if (r.ok) throw new Error('expected problems');
  return r.problems.filter((p) => p.severity === 'error').map((p) => `${p.path}: ${p.message}`);
}

/** The seed.env a user-data (and flags) produce. */
function seedEnv(text: string, flags: SeedFlags = {}) {
  const ud = parseUserData(text);
  if (!ud.ok) throw new Error('user-data should parse');
  const r = mergeSettings({
    flags: { tls: 'device', ...flags },
    sshKeys: [],
    count: 1,
    userData: { settings: ud.settings },
  });
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return { wifi: r.settings.wifi, env: parseSeedEnv(String(planSeed(r.settings, 1)[0].content)) };
}

describe('open and hidden networks in netplan wifis', () => {
  test.each([
    ['an empty mapping', '      "Cafe Libre": {}\n'],
    ['nothing at all (YAML null)', '      "Cafe Libre":\n'],
    ['key-management: none', '      "Cafe Libre": {auth: {key-management: none}}\n'],
    ['hidden and open', '      "Cafe Libre": {hidden: true}\n'],
  ])('%s is an open network', (_what, ap) => {
    expect(wifiOf(wifis(ap))).toEqual({ ssid: 'Cafe Libre', open: true, country: 'DE' });
  });

  test('a hidden WPA network keeps its password (first boot always probes for the SSID)', () => {
    expect(wifiOf(wifis('      Hidden: {hidden: true, password: "s3cret-pass"}\n'))).toEqual({
      ssid: 'Hidden',
      passphrase: 's3cret-pass',
      country: 'DE',
    });
  });

  test.each([
    [
      '      Cafe: {auth: {key-management: none, password: "s3cret-pass"}}\n',
      'key-management none is an open network, but a password is given',
    ],
    ['      Cafe: {auth: {key-management: psk}}\n', 'key-management psk needs a password'],
    ['      Cafe: {auth: {key-management: eap}}\n', 'key-management eap is not supported'],
    [
      '      Cafe: {auth: {method: peap, identity: me}}\n',
      "auth setting 'method' is not supported",
    ],
    ['      Cafe: {hidden: "yes"}\n', 'hidden is not true or false'],
    ['      Cafe: {mode: adhoc}\n', 'mode adhoc is not supported'],
    ['      Cafe: open\n', 'the access point is not a mapping'],
    ['      Cafe: {password: {x: 1}}\n', 'the password is not text'],
    ['      Cafe: {password: short}\n', 'the Wi-Fi passphrase is 5 characters'],
  ])('refused: %s', (ap, message) => {
    expect(problemsOf(wifis(ap)).join('\n')).toContain(message);
  });

  test('mode: infrastructure is what armada does anyway', () => {
    expect(wifiOf(wifis('      Cafe: {mode: infrastructure}\n'))).toMatchObject({ open: true });
  });

  test('the seed carries the SSID and no WIFI_PSK: first boot writes key_mgmt=NONE', () => {
    const { wifi, env } = seedEnv(wifis('      "Cafe Libre": {}\n'));
    expect(wifi).toEqual({ ssid: 'Cafe Libre', country: 'DE' });
    expect(env).toMatchObject({ WIFI_SSID: 'Cafe Libre', WIFI_COUNTRY: 'DE' });
    expect(env.WIFI_PSK).toBeUndefined();
  });

  test('a --wifi-password or another --wifi-ssid on the command line overrides the open network', () => {
    const text = wifis('      "Cafe Libre": {}\n');
    const keyed = mergeSettings({
      flags: { tls: 'device', wifiPassword: 'now-with-a-key' },
      sshKeys: [],
      count: 1,
      userData: { settings: wifiSettings(text) },
    });
    expect(keyed.ok && keyed.settings.wifi).toEqual({
      ssid: 'Cafe Libre',
      passphrase: 'now-with-a-key',
      country: 'DE',
    });
    const other = mergeSettings({
      flags: { tls: 'device', wifiSsid: 'Home' },
      sshKeys: [],
      count: 1,
      userData: { settings: wifiSettings(text) },
    });
    expect(other.ok).toBe(false);
    if (!other.ok)
      expect(other.problems.filter((p) => p.severity === 'error')).toEqual([
        expect.objectContaining({
          path: '--wifi-password',
          fix: expect.stringMatching(/--wifi-open/),
        }),
      ]);
  });
});

function wifiSettings(text: string) {
  const r = parseUserData(text);
  if (!r.ok) throw new Error('should parse');
  return r.settings;
}

describe('open networks in a wpa_supplicant.conf', () => {
  const conf = (network: string) =>
    `country=fr\nctrl_interface=DIR=/var/run/wpa_supplicant GROUP=netdev\nnetwork={\n${network}}\n`;

  test('key_mgmt=NONE is open; scan_ssid=1 (hidden) is fine', () => {
    expect(parseWpaSupplicant(conf('\tssid="Gare"\n\tscan_ssid=1\n\tkey_mgmt=NONE\n'))).toEqual({
      ok: true,
      ssid: 'Gare',
      open: true,
      country: 'FR',
    });
  });

  test.each([
    ['\tssid="Gare"\n\tkey_mgmt=NONE\n\twep_key0="abcde"\n', 'WEP'],
    ['\tssid="Gare"\n\tkey_mgmt=NONE\n\tpsk="password1"\n', 'open network, but it has a psk'],
    ['\tssid="Gare"\n', 'for an open network write key_mgmt=NONE'],
    ['\tssid="Gare"\n\tkey_mgmt=WPA-EAP\n', 'neither open (NONE) nor WPA-Personal'],
  ])('refused: %j', (network, message) => {
    const r = parseWpaSupplicant(conf(network));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(message);
  });

  test('in write_files it seeds an open network', () => {
    const text = `#cloud-config\nwrite_files:\n  - path: /etc/wpa_supplicant/wpa_supplicant.conf\n    content: |\n      country=DE\n      network={\n        ssid="Gare"\n        key_mgmt=NONE\n      }\n`;
    const { env } = seedEnv(text);
    expect(env).toMatchObject({ WIFI_SSID: 'Gare', WIFI_COUNTRY: 'DE' });
    expect(env.WIFI_PSK).toBeUndefined();
  });
});
