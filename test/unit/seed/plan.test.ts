import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { planSeed, loginUser } from '../../../src/seed/plan.js';
import { mergeSettings, type MergeInput } from '../../../src/seed/settings.js';
import { parseUserData } from '../../../src/seed/user-data.js';
import { parseSeedEnv } from '../../../src/seed/seed-env.js';
import { resolveSettings } from '../../../src/seed/apply.js';
import { wpaPsk } from '../../../src/seed/wpa-psk.js';
import type { CardCerts, SeedFile, SeedSettings } from '../../../src/seed/types.js';
import { describeNeeds } from '../../helpers/needs.js';

const ed25519 =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICthKi5dhyo0I4rAbxZReVryOJuN6aYjfDsfzQBtx6FN pirate@laptop';
const hash =
  '$6$pirateSalt$wWj32vFuUQe9s2vq8.Qnro3IHqjXM2GwLyhv6./0ySD2d1UkfX1ahR8UYWvi4gxsJLM7DIoCaj7tbL4C1/z9S/';
const certs: CardCerts = {
  caPem: 'CA PEM\n',
  serverCertPem: 'SERVER PEM\n',
  serverKeyPem: 'SERVER KEY\n',
};

/** What prepareSeeds does to secrets, with a fixed hash so snapshots are stable. */
function settingsFor(input: Partial<MergeInput>, fixture?: string): SeedSettings {
  let userData: MergeInput['userData'];
  if (fixture) {
    const text = readFileSync(new URL(`../../fixtures/seed/${fixture}`, import.meta.url), 'utf8');
    const r = parseUserData(text);
    if (!r.ok) throw new Error('fixture should parse');
    userData = { settings: r.settings };
  }
  const r = mergeSettings({
    flags: {},
    sshKeys: [],
    count: 1,
    ...input,
    ...(userData ? { userData } : {}),
  });
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('\n'));
  const s = { ...r.settings, user: { ...r.settings.user } };
  if (s.user.password !== undefined) {
    s.user.passwordHash = hash;
    delete s.user.password;
  }
  if (s.wifi?.passphrase !== undefined)
    s.wifi = { ...s.wifi, passphrase: wpaPsk(s.wifi.passphrase, s.wifi.ssid) };
  return s;
}

function render(files: SeedFile[]): string {
  return files
    .map(
      (f) =>
        `--- ${f.path}${f.secret ? ' (secret)' : ''}\n${typeof f.content === 'string' ? f.content : Buffer.from(f.content).toString('utf8')}`,
    )
    .join('');
}

describe('planSeed', () => {
  test('flags only, laptop CA', () => {
    const s = settingsFor({
      flags: {
        hostname: 'pi-{n}',
        wifiSsid: 'Bob\'s "Net"',
        wifiPassword: 'correct horse',
        wifiCountry: 'de',
        timezone: 'Europe/Berlin',
        locale: 'de_DE.UTF-8',
        keymap: 'de',
      },
      sshKeys: [{ source: 'k', line: ed25519 }],
    });
    const files = planSeed(s, 3, certs);
    expect(render(files)).toMatchSnapshot();
    const env = parseSeedEnv(String(files[0].content));
    expect(env).toMatchObject({
      HOSTNAME: 'pi-3',
      USERNAME: 'armada',
      USER_SUDO: 'ALL=(ALL) NOPASSWD:ALL',
      WIFI_SSID: 'Bob\'s "Net"',
      WIFI_COUNTRY: 'DE',
      TLS_MODE: 'laptop',
    });
    expect(env.WIFI_PSK).toMatch(/^[0-9a-f]{64}$/);
    expect(render(files)).not.toContain('correct horse');
    expect(files.find((f) => f.path === 'armada/tls/server-key.pem')?.secret).toBe(true);
    expect(files.find((f) => f.path === 'armada/seed.env')?.secret).toBe(true);
  });

  test.each([
    'hypriot-wifi.yaml',
    'hypriot-pubkey.yaml',
    'hypriot-static.yaml',
    'rpi-imager.yaml',
    'rpi-imager-wpa.yaml',
  ])('user-data %s, device CA', (fixture) => {
    const files = planSeed(settingsFor({ flags: { tls: 'device' } }, fixture), 1);
    expect(render(files)).toMatchSnapshot();
    expect(files.some((f) => f.path.startsWith('armada/tls/'))).toBe(false);
    for (const secret of [
      'passwd: hypriot',
      'shiver-me-timbers',
      'correct horse battery staple',
      '0dc0d6eb90555ed6',
    ]) {
      expect(
        files
          .filter((f) => f.path !== 'armada/seed.env')
          .map((f) => String(f.content))
          .join(''),
      ).not.toContain(secret);
    }
  });

  test('device CA: the laptop’s certificate request is the only TLS file, and not a secret', () => {
    const files = planSeed(settingsFor({ flags: { tls: 'device', hostname: 'h' } }), 1, {
      clientCsrPem: 'CSR PEM\n',
    });
    expect(files.filter((f) => f.path.startsWith('armada/tls/'))).toEqual([
      { path: 'armada/tls/client.csr', content: 'CSR PEM\n', secret: false },
    ]);
  });

  test('no login: no USERNAME, no authorized_keys, no user set-up in runcmd', () => {
    const s = settingsFor({ flags: { user: 'pi', hostname: 'h' } });
    expect(loginUser(s)).toBeUndefined();
    const files = planSeed(s, 1, certs);
    expect(parseSeedEnv(String(files[0].content))).toEqual({ HOSTNAME: 'h', TLS_MODE: 'laptop' });
    expect(files.map((f) => f.path)).toEqual([
      'armada/seed.env',
      'armada/tls/ca.pem',
      'armada/tls/server.pem',
      'armada/tls/server-key.pem',
    ]);
  });

  test('SSH_PWAUTH only with a password; INSECURE_TCP only when asked', () => {
    const s = settingsFor(
      { flags: { password: 'pw', insecureTcp: true, tls: 'device' } },
      'hypriot-wifi.yaml',
    );
    const env = parseSeedEnv(String(planSeed(s, 1)[0].content));
    expect(env).toMatchObject({
      SSH_PWAUTH: '1',
      INSECURE_TCP: '1',
      PASSWORD_HASH: hash,
      USERNAME: 'pirate',
    });
  });

  test('security updates and live-restore: on unless turned off; only the way off is written', () => {
    const on = parseSeedEnv(
      String(planSeed(settingsFor({ flags: { tls: 'device' } }), 1)[0].content),
    );
    expect(on).not.toHaveProperty('SECURITY_UPDATES');
    expect(on).not.toHaveProperty('LIVE_RESTORE');
    const off = settingsFor({
      flags: { tls: 'device', securityUpdates: false, liveRestore: false },
    });
    expect(off).toMatchObject({ securityUpdates: false, liveRestore: false });
    expect(parseSeedEnv(String(planSeed(off, 1)[0].content))).toMatchObject({
      SECURITY_UPDATES: '0',
      LIVE_RESTORE: '0',
    });
    const explicitOn = settingsFor({
      flags: { tls: 'device', securityUpdates: true, liveRestore: true },
    });
    expect(parseSeedEnv(String(planSeed(explicitOn, 1)[0].content))).toEqual(on);
  });

  test('refuses secrets that were not derived', () => {
    const s = settingsFor({ flags: { tls: 'device' } });
    expect(() => planSeed({ ...s, user: { ...s.user, password: 'plain' } }, 1)).toThrow(
      /plain-text password/,
    );
    expect(() =>
      planSeed({ ...s, wifi: { ssid: 'x', passphrase: 'passphrase', country: 'DE' } }, 1),
    ).toThrow(/passphrase/);
    expect(() => planSeed({ ...s, tlsMode: 'laptop' }, 1)).toThrow(/certificates/);
  });
});

describe('what of user-data stays on the card', () => {
  test('no copy of it: comments, apt proxy and repository credentials never reach the card', async () => {
    const text = [
      '#cloud-config',
      '# office proxy: ask ops-secret-comment for the password',
      'hostname: pi-office',
      'apt:',
      '  proxy: http://builder:proxy-secret@proxy.lan:3128',
      '  sources:',
      '    internal:',
      '      source: deb https://deploy:repo-secret@repo.lan/debian bookworm main',
      'write_files:',
      '  - {path: /etc/motd, content: "hello\\n"}',
      '',
    ].join('\n');
    let files: SeedFile[];
    // The whole laptop path: --user-data read from a file, as configure and flash read it.
    const dir = mkdtempSync(join(tmpdir(), 'armada-user-data-'));
    try {
      writeFileSync(join(dir, 'user-data.yaml'), text);
      writeFileSync(join(dir, 'id.pub'), `${ed25519}\n`);
      const { settings } = await resolveSettings(
        { userData: join(dir, 'user-data.yaml'), sshKey: [join(dir, 'id.pub')], tls: 'device' },
        1,
      );
      files = planSeed(settings, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(files.map((f) => f.path)).not.toContain('armada/user-data');
    expect(render(files)).not.toMatch(/secret|proxy|repo\.lan/);
    expect(parseSeedEnv(String(files[0].content)).HOSTNAME).toBe('pi-office');
  });
});

const hasShellcheck = (() => {
  try {
    execFileSync('shellcheck', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describeNeeds(
  { unless: hasShellcheck ? undefined : 'shellcheck is not installed' },
  'rendered runcmd.sh',
  () => {
    test.each(['hypriot-wifi.yaml', 'hypriot-pubkey.yaml', 'rpi-imager.yaml'])(
      '%s passes shellcheck',
      (fixture) => {
        const script = planSeed(settingsFor({ flags: { tls: 'device' } }, fixture), 1).find(
          (f) => f.path === 'armada/runcmd.sh',
        );
        expect(script).toBeDefined();
        const dir = mkdtempSync(join(tmpdir(), 'armada-runcmd-'));
        try {
          writeFileSync(join(dir, 'runcmd.sh'), String(script!.content));
          expect(() =>
            execFileSync('shellcheck', ['-s', 'sh', join(dir, 'runcmd.sh')], { stdio: 'pipe' }),
          ).not.toThrow();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );
  },
);
