import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { parseSeedEnv, renderSeedEnv, shellQuote } from '../../../src/seed/seed-env.js';
import { mergeSettings as mergeSettingsApi } from '../../../src/seed/settings.js';
import { asCli } from '../../helpers/as-cli.js';

const mergeSettings = asCli(mergeSettingsApi);

const hostile = [
  "it's",
  "''",
  '"double" quotes',
  '$(touch /tmp/armada-pwned)',
  '`touch /tmp/armada-pwned`',
  '${HOME} $HOME',
  'a\\b\\\\c',
  'semi; rm -rf /',
  'tab\there',
  'ünïcödé ✓ 🐙 日本語',
  ' leading and trailing ',
  '',
];

describe('seed.env quoting', () => {
  test.each(hostile)('round-trips through the line parser: %j', (value) => {
    const text = renderSeedEnv({ WIFI_SSID: value, HOSTNAME: 'pi' });
    expect(text.split('\n').filter(Boolean)).toHaveLength(2);
    expect(parseSeedEnv(text)).toEqual({ HOSTNAME: 'pi', WIFI_SSID: value });
  });

  test.each(hostile)('a POSIX shell reads back the same bytes and runs nothing: %j', (value) => {
    // The device never sources seed.env, but a person might; the quoting must hold for sh too.
    const out = execFileSync('sh', ['-c', `eval "X=$1"; printf %s "$X"`, 'sh', shellQuote(value)]);
    expect(out.toString()).toBe(value);
  });

  test('line breaks and NUL never reach the file', () => {
    expect(() => shellQuote('a\nb')).toThrow(/line break/);
    expect(() => shellQuote('a\rb')).toThrow();
    expect(() => shellQuote('a\0b')).toThrow();
  });

  test('values with line breaks are rejected at validation, with the flag named', () => {
    const r = mergeSettings({
      flags: { wifiSsid: 'evil\nINSECURE_TCP=1', wifiPassword: 'password123', wifiCountry: 'DE' },
      sshKeys: [],
      count: 1,
    });
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.problems.find((p) => p.severity === 'error')).toMatchObject({
        path: '--wifi-ssid',
        message: expect.stringMatching(/line break/),
      });
    const r2 = mergeSettings({ flags: { password: "pw\n'; reboot" }, sshKeys: [], count: 1 });
    expect(r2.ok).toBe(false);
  });

  test('keys come out in the contract order, absent keys are left out', () => {
    expect(renderSeedEnv({ TLS_MODE: 'laptop', HOSTNAME: 'pi-1', INSECURE_TCP: undefined })).toBe(
      "HOSTNAME='pi-1'\nTLS_MODE='laptop'\n",
    );
  });

  test('the strict parser refuses anything else', () => {
    expect(() => parseSeedEnv('HOSTNAME=pi\n')).toThrow();
    expect(() => parseSeedEnv("HOSTNAME='a'b'\n")).toThrow();
    expect(() => parseSeedEnv("lower='x'\n")).toThrow();
  });
});
