/**
 * `armada config set` refuses what the corresponding flag refuses (exit 2, one line naming the
 * key and the fix, nothing stored); a bad value already in config.json (edited by hand) or in
 * ARMADA_* is reported as that key in that file, or that variable, never as a flag nobody typed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative as relativePath } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { armada, buildCli } from '../../helpers/cli.js';
import { describeNeeds, toolsReason } from '../../helpers/needs.js';
import { sshKeyPair } from '../../helpers/tools.js';
import { suiteTempDir } from '../../helpers/tmp.js';

const dir = await suiteTempDir('armada-cli-config-');
beforeAll(() => buildCli());

/** The `armada: …` lines of stderr (usage errors add a "Run … --help" line after them). */
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('armada'));

describe('config set checks the value like its flag', () => {
  const config = join(dir, 'set');
  const env = { ARMADA_CONFIG_DIR: config };
  const file = join(config, 'config.json');

  test.each([
    ['tls', 'foo', /'foo' is not a TLS mode; use 'laptop' .* or 'device'/],
    ['sudo', 'maybe', /'maybe' is not a sudo mode; use 'nopasswd', 'password' or 'none'/],
    ['timezone', 'Mars/Olympus', /timezone 'Mars\/Olympus' is unknown; use an Area\/City name/],
    ['wifiCountry', 'UK', /'UK' is not an ISO code; use 'GB'/],
    ['user', 'root', /user name 'root' is a system account/],
    ['locale', 'en_XX.UTF-8', /locale 'en_XX.UTF-8' is unknown/],
    ['keymap', 'de-latin1', /console keymap name, not an XKB layout; use 'de'/],
    ['sshKey', 'no-such.pub', /\/no-such\.pub: cannot read the file \(ENOENT\); give the path/],
  ])('%s %s: exit 2, one line, nothing stored', async (key, value, message) => {
    const r = await armada(['config', 'set', key, value], { env });
    expect(r.code, r.stderr).toBe(2);
    const lines = errorLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^armada: config key '${key}' was not set: `));
    expect(lines[0]).toMatch(message);
    expect(r.stderr).not.toMatch(/--(tls|sudo|timezone|wifi-country|user|locale|keymap|ssh-key)\b/);
    expect(existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {}).not.toHaveProperty(key);
  });

  test('good values are stored; a relative sshKey is stored as an absolute path', async () => {
    const keyDir = join(dir, 'keys');
    mkdirSync(keyDir);
    sshKeyPair(keyDir, 'id');
    expect((await armada(['config', 'set', 'tls', 'device'], { env })).code).toBe(0);
    expect((await armada(['config', 'set', 'timezone', 'Europe/Berlin'], { env })).code).toBe(0);
    // The CLI helper runs in the test's cwd: give the key relative to it.
    const relative = relativePath(process.cwd(), join(keyDir, 'id.pub'));
    expect(relative.startsWith('/')).toBe(false);
    const set = await armada(['config', 'set', 'sshKey', relative], { env });
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      tls: 'device',
      timezone: 'Europe/Berlin',
      sshKey: [join(keyDir, 'id.pub')],
    });
    const privateKey = await armada(['config', 'set', 'sshKey', join(keyDir, 'id')], { env });
    expect(privateKey.code).toBe(2);
    expect(errorLines(privateKey.stderr)[0]).toMatch(
      /config key 'sshKey' was not set: .*PRIVATE key/,
    );
  });
});

/** A small image with a FAT partition 1, enough for configure to reach seed validation. */
function image(name: string): string {
  const img = join(dir, name);
  execFileSync('truncate', ['-s', '40M', img]);
  execFileSync('sfdisk', ['-q', img], { input: 'label: dos\nstart=2048, type=c\n' });
  execFileSync('mkfs.vfat', ['--offset', '2048', img, String(40 * 1024 - 1024)], {
    stdio: 'ignore',
  });
  return img;
}

describeNeeds(
  { unless: toolsReason('sfdisk', 'mkfs.vfat', 'mcopy') },
  'a bad default already stored, as configure meets it',
  () => {
    const config = join(dir, 'stored');
    const file = join(config, 'config.json');
    const env = { ARMADA_CONFIG_DIR: config, DOCKER_CONFIG: join(dir, 'docker') };
    let img: string;
    const configure = (extra: string[] = [], more: NodeJS.ProcessEnv = {}) =>
      armada(['configure', img, '--hostname', 'pi-1', '--password-file', '-', ...extra], {
        env: { ...env, ...more },
        input: 'a long enough password\n',
      });
    beforeAll(() => {
      img = image('stored.img');
      mkdirSync(config, { recursive: true });
    });

    test.each([
      [{ tls: 'foo' }, 'tls', /'foo' is not a TLS mode/],
      [{ sudo: 'maybe' }, 'sudo', /'maybe' is not a sudo mode/],
      [{ timezone: 'Mars/Olympus' }, 'timezone', /timezone 'Mars\/Olympus' is unknown/],
      [{ sshKey: ['id.pub'] }, 'sshKey', /'id\.pub' is a relative path; give the absolute path/],
    ])('%j: exit 1 naming the key and the file, not a flag', async (stored, key, message) => {
      writeFileSync(file, JSON.stringify(stored));
      const r = await configure();
      expect(r.code, r.stderr).toBe(1);
      const lines = errorLines(r.stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^armada: config key '${key}' \\(in ${file}\\): `));
      expect(lines[0]).toMatch(message);
      expect(lines[0]).toContain(`'armada config unset ${key}'`);
      expect(r.stderr).not.toMatch(/--(tls|sudo|timezone|ssh-key)\b/);
    });

    test('every bad key at once; a flag that overrides a bad value makes it irrelevant', async () => {
      writeFileSync(file, JSON.stringify({ tls: 'foo', sudo: 'maybe' }));
      const both = await configure();
      expect(both.code, both.stderr).toBe(1);
      expect(both.stderr).toMatch(/^armada: 2 problems in armada's defaults/);
      expect(both.stderr.split('\n').filter((l) => l.startsWith("  - config key '"))).toHaveLength(
        2,
      );

      const overridden = await configure(['--tls', 'device', '--sudo', 'none']);
      expect(overridden.code, overridden.stderr).toBe(0);
    });

    test('ARMADA_TLS=foo: exit 2 naming the variable', async () => {
      writeFileSync(file, '{}');
      const r = await configure([], { ARMADA_TLS: 'foo' });
      expect(r.code).toBe(2);
      expect(errorLines(r.stderr)).toEqual([
        expect.stringMatching(
          /^armada: ARMADA_TLS=foo: 'foo' is not a TLS mode; .* in ARMADA_TLS \(or unset it\)$/,
        ),
      ]);
      expect(r.stderr).not.toMatch(/--tls\b/);
    });
  },
);
