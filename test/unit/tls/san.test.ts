import { describe, expect, test } from 'vitest';
import { sanProblem } from '../../../src/tls/san.js';
import { serverSans } from '../../../src/tls/certs.js';
import { mergeSettings as mergeSettingsApi } from '../../../src/seed/settings.js';
import { resolveSettings as resolveSettingsApi } from '../../../src/seed/apply.js';
import { exitCodeOf, formatError, UsageError } from '../../../src/errors.js';
import { asCli } from '../../helpers/as-cli.js';

const mergeSettings = asCli(mergeSettingsApi);
const resolveSettings = asCli(resolveSettingsApi);

describe('sanProblem: what a --san may be', () => {
  test.each([
    ['192.168.1.30'],
    ['10.0.0.2'],
    ['::1'],
    ['fd00::2a'],
    ['pi-1.lan'],
    ['docker.example.org'],
    ['pi'],
    ['xn--bcher-kva.example'],
    ['a1.b2.c3.example'],
  ])('accepts %s', (value) => {
    expect(sanProblem(value)).toBeUndefined();
  });

  test.each([
    ['*.lan', /'\*\.lan' is a wildcard/],
    ['*', /'\*' is a wildcard/],
    ['pi-*.lan', /is a wildcard/],
    ['192.168.1.300', /'192\.168\.1\.300' is not an IPv4 address \(four numbers from 0 to 255\)/],
    ['256.1.1.1', /is not an IPv4 address/],
    ['1.2.3.4.5', /all digits: neither an IP address nor a DNS name/],
    ['10.1', /all digits/],
    ['123', /all digits/],
    ['pi.10', /last label is all digits/],
    ['fe80::1::2', /is not an IPv6 address/],
    ['pi:2376', /is not an IPv6 address/],
    ['-pi.lan', /is not a DNS name/],
    ['pi..lan', /is not a DNS name/],
    ['pi_1.lan', /is not a DNS name/],
    [`${'a'.repeat(64)}.lan`, /is not a DNS name/],
    ['pi.lan.', /is not a DNS name/],
  ])('refuses %s', (value, message) => {
    const problem = sanProblem(value);
    expect(problem?.message).toMatch(message);
    expect(problem?.message).not.toContain('\n');
  });
});

describe('--san in the seed settings', () => {
  const merge = (san: string[]) =>
    mergeSettings({ flags: { san, password: 'correct horse' }, sshKeys: [], count: 1 });

  test('a wildcard and a not-quite IPv4 address are refused, each with its reason', () => {
    const r = merge(['pi.lan', '*.lan', '192.168.1.300', '192.168.1.30']);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.filter((p) => p.severity === 'error')).toEqual([
      expect.objectContaining({ path: '--san', message: expect.stringMatching(/wildcard/) }),
      expect.objectContaining({
        path: '--san',
        message: expect.stringMatching(/'192\.168\.1\.300' is not an IPv4 address/),
      }),
    ]);
  });

  test('valid names and addresses pass', () => {
    const r = merge(['pi.lan', '192.168.1.30', 'fd00::2a']);
    expect(r.ok).toBe(true);
  });

  test('the run stops with a usage error (exit 2) naming the flag', async () => {
    const error = await resolveSettings({ san: ['*.lan'], password: 'correct horse' }, 1).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect(exitCodeOf(error)).toBe(2);
    expect(formatError(error, false)).toMatch(/--san: '\*\.lan' is a wildcard/);
  });
});

describe('serverSans refuses what the seed validation refuses (library callers)', () => {
  test('a wildcard or 192.168.1.300 never becomes a DNS name in a certificate', () => {
    expect(() => serverSans('pi', ['*.lan'])).toThrow(UsageError);
    expect(() => serverSans('pi', ['192.168.1.300'])).toThrow(/not an IPv4 address/);
  });

  test('an IP is typed as an IP, a name as DNS', () => {
    expect(serverSans('pi', ['192.168.1.30', 'pi.lan'])).toEqual([
      { type: 'dns', value: 'pi' },
      { type: 'dns', value: 'pi.local' },
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
      { type: 'ip', value: '192.168.1.30' },
      { type: 'dns', value: 'pi.lan' },
    ]);
  });
});
