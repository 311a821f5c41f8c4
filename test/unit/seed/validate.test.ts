import { describe, expect, test } from 'vitest';
import {
  checkCountry,
  checkHostname,
  checkKeymap,
  checkLocale,
  checkPassphrase,
  checkPasswordHash as checkPasswordHashApi,
  checkSshKey,
  checkSsid,
  checkTimezone,
  checkUsername,
} from '../../../src/seed/validate.js';
import { wpaPsk } from '../../../src/seed/wpa-psk.js';
import { parseWpaSupplicant } from '../../../src/seed/wpa-supplicant.js';
import { asCli } from '../../helpers/as-cli.js';

const checkPasswordHash = asCli(checkPasswordHashApi);

const ed25519 =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICthKi5dhyo0I4rAbxZReVryOJuN6aYjfDsfzQBtx6FN pirate@laptop';

describe('hostname', () => {
  test.each(['pi', 'pi-1', 'pi-{n}', 'A1', 'x'.repeat(63), 'rack2-node-{n}'])('accepts %s', (h) =>
    expect(checkHostname(h, 12)).toBeUndefined(),
  );
  test.each([
    ['pi.local', /dot/],
    ['-pi', /not a valid/],
    ['pi-', /not a valid/],
    ['pi_1', /not a valid/],
    ['x'.repeat(64), /64 characters/],
    [`${'x'.repeat(61)}{n}`, /63|64/],
    ['pi-{i}', /not '\{n\}'/],
    ['123', /all digits/],
    ['', /not a valid/],
  ])('rejects %s', (h, why) => expect(checkHostname(h, 100)?.message).toMatch(why));
});

describe('username', () => {
  test.each(['pi', 'alice', 'dev_ops', 'a-b', 'u1'])('accepts %s', (u) =>
    expect(checkUsername(u)).toBeUndefined(),
  );
  test.each([
    ['root', /system account/],
    ['daemon', /system account/],
    ['www-data', /system account/],
    ['nobody', /system account/],
    ['systemd-foo', /system account/],
    ['sshd', /system account/],
    ['Pi', /not a valid Debian user name/],
    ['1pi', /not a valid Debian user name/],
    ['a b', /not a valid Debian user name/],
    ['x'.repeat(33), /longer than 32 characters/],
    ['', /not a valid Debian user name/],
  ])('rejects %s', (u, why) => expect(checkUsername(u)?.message).toMatch(why));
});

describe('ssh keys', () => {
  test('accepts real keys, with options and without comment', () => {
    expect(checkSshKey(ed25519)).toBeUndefined();
    expect(checkSshKey(`from="10.0.0.0/8" ${ed25519}`)).toBeUndefined();
    expect(checkSshKey(ed25519.split(' ').slice(0, 2).join(' '))).toBeUndefined();
  });
  test.each([
    ['-----BEGIN OPENSSH PRIVATE KEY-----', /PRIVATE/],
    ['ssh-ed25519', /base64/],
    ['ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQ', /damaged/],
    ['ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAICthKi5dhyo0I4rAbxZReVryOJuN6aYjfDsfzQBtx6FN', /damaged/],
    ['AAAAC3NzaC1lZDI1NTE5AAAAICthKi5dhyo0I4rAbxZReVryOJuN6aYjfDsfzQBtx6FN', /not an OpenSSH/],
    [`${ed25519}\nssh-rsa x`, /line break/],
  ])('rejects %s', (k, why) => expect(checkSshKey(k)?.message).toMatch(why));
});

describe('other values', () => {
  test('password hashes', () => {
    expect(
      checkPasswordHash(
        '$6$pirateSalt$wWj32vFuUQe9s2vq8.Qnro3IHqjXM2GwLyhv6./0ySD2d1UkfX1ahR8UYWvi4gxsJLM7DIoCaj7tbL4C1/z9S/',
      ),
    ).toBeUndefined();
    expect(
      checkPasswordHash('$5$Imager5Salt$dl772XxhBJIgGod/G5ExIQquTlN5uFANTq9pfXBZSZ7'),
    ).toBeUndefined();
    expect(
      checkPasswordHash('$y$j9T$abcdefgh$0123456789abcdefghijklmnopqrstuvwxyzABCDEF'),
    ).toBeUndefined();
    for (const bad of ['hunter2', '$6$short', '$1$abc$def', '$6$a$b:c']) {
      expect(checkPasswordHash(bad)?.message).toMatch(/is not a crypt\(3\) password hash/);
      expect(checkPasswordHash(bad)?.fix).toMatch(/--password/);
    }
  });
  test('timezones: shape, and zoneinfo when known', () => {
    for (const tz of ['Europe/Berlin', 'UTC', 'America/Argentina/Buenos_Aires', 'Etc/GMT+1'])
      expect(checkTimezone(tz)).toBeUndefined();
    for (const tz of ['Berlin', 'europe/berlin', '../etc/passwd', 'Europe/Berlin; rm', ''])
      expect(checkTimezone(tz)?.message).toBe(`timezone '${tz}' is not an Area/City name`);
    expect(checkTimezone('Europe/Atlantis', () => false)?.message).toMatch(/unknown/);
    expect(checkTimezone('Europe/Atlantis', () => undefined)).toBeUndefined();
  });
  test('locale, keymap, country', () => {
    for (const l of ['en_GB.UTF-8', 'de_DE.utf8', 'C.UTF-8', 'POSIX', 'sr_RS@latin'])
      expect(checkLocale(l)).toBeUndefined();
    for (const l of ['english', 'en-GB', 'en_GB.UTF-8 x'])
      expect(checkLocale(l)?.message).toBe(`locale '${l}' is not a locale name`);
    for (const k of ['de', 'us', 'gb', 'us,de']) expect(checkKeymap(k)).toBeUndefined();
    // Console keymap names are not XKB layouts: XKBLAYOUT='de-latin1' would break the keyboard.
    expect(checkKeymap('de-latin1')?.fix).toMatch(/use 'de'/);
    for (const k of ['DE', 'd', 'de latin1', 'dvorak', 'qq'])
      expect(checkKeymap(k)?.message).toMatch(
        new RegExp(`^keyboard layout '${k}' is (not a layout name|unknown)$`),
      );
    expect(checkLocale('xx_YY.UTF-8')?.message).toMatch(/unknown/);
    for (const c of ['DE', 'gb', 'US', 'NO']) expect(checkCountry(c)).toBeUndefined();
    expect(checkCountry('UK')?.fix).toMatch(/GB/);
    for (const c of ['XX', 'DEU', 'E', ''])
      expect(checkCountry(c)?.message).toBe(
        `Wi-Fi country '${c}' is not an ISO 3166-1 alpha-2 code`,
      );
  });
  test('Wi-Fi SSID in bytes, passphrase 8–63 or 64 hex', () => {
    expect(checkSsid('x'.repeat(32))).toBeUndefined();
    expect(checkSsid('ü'.repeat(16))).toBeUndefined(); // 32 bytes
    expect(checkSsid('ü'.repeat(17))?.message).toMatch(/34 bytes/);
    expect(checkSsid('')?.message).toBe('the Wi-Fi SSID is empty');
    expect(checkSsid('a\u0007b')?.message).toMatch(/^the Wi-Fi SSID contains a control character/);
    expect(checkPassphrase('12345678')).toBeUndefined();
    expect(checkPassphrase('x'.repeat(63))).toBeUndefined();
    expect(checkPassphrase('a'.repeat(64))).toBeUndefined(); // hex PSK
    expect(checkPassphrase('g'.repeat(64))?.message).toMatch(/is 64 characters; WPA needs 8–63/);
    expect(checkPassphrase('1234567')?.message).toMatch(/is 7 characters; WPA needs 8–63/);
    expect(checkPassphrase('pässwört!')?.message).toMatch(/outside printable ASCII/);
  });
});

describe('WPA PSK', () => {
  // IEEE 802.11i-2004 Annex H.4 test vectors.
  test.each([
    ['password', 'IEEE', 'f42c6fc52df0ebef9ebb4b90b38a5f902e83fe1b135a70e23aed762e9710a12e'],
    [
      'ThisIsAPassword',
      'ThisIsASSID',
      '0dc0d6eb90555ed6419756b9a15ec3e3209b63df707dd508d14581f8982721af',
    ],
  ])('%s / %s', (pass, ssid, psk) => expect(wpaPsk(pass, ssid)).toBe(psk));
  test('a 64-hex PSK is kept (lower-cased)', () =>
    expect(wpaPsk('A'.repeat(64), 'x')).toBe('a'.repeat(64)));
});

describe('wpa_supplicant.conf', () => {
  test('quoted ssid/psk, country, comments', () => {
    expect(
      parseWpaSupplicant(
        'country=de\nnetwork={\n  ssid="My Net"   # home\n  psk="pass phrase"\n  key_mgmt=WPA-PSK\n}\n',
      ),
    ).toEqual({ ok: true, ssid: 'My Net', passphrase: 'pass phrase', country: 'DE' });
  });
  test('hex ssid and hashed psk', () => {
    expect(parseWpaSupplicant('network={\nssid=4d79\npsk=' + 'b'.repeat(64) + '\n}')).toEqual({
      ok: true,
      ssid: 'My',
      passphrase: 'b'.repeat(64),
    });
  });
  test.each([
    ['ctrl_interface=x\n', /no network/],
    [
      'network={\nssid="a"\npsk="12345678"\n}\nnetwork={\nssid="b"\npsk="12345678"\n}',
      /2 networks/,
    ],
    ['network={\nssid="corp"\nkey_mgmt=WPA-EAP\n}', /nor WPA-Personal/],
  ])('refuses %#', (text, why) => {
    const r = parseWpaSupplicant(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(why);
  });
});
