/**
 * The command line as people meet it: exit codes of bad input (2 for usage everywhere), one JSON
 * document on stdout when --json fails, -h, and messages that never echo key material.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { armada } from '../../helpers/cli.js';
import { sha512CryptWithSetting } from '../../../src/seed/sha512-crypt.js';
import { suiteTempDir } from '../../helpers/tmp.js';

const dir = await suiteTempDir('armada-cli-usage-');
const env = { ARMADA_CONFIG_DIR: join(dir, 'config'), DOCKER_CONFIG: join(dir, 'docker') };

/** A small image with a FAT partition 1, enough for configure to reach seed validation. */
function image(name: string): string {
  const img = join(dir, name);
  execFileSync('truncate', ['-s', '40M', img]);
  execFileSync('sfdisk', ['-q', img], { input: 'label: dos\nstart=2048, type=c\n' });
  execFileSync('mkfs.vfat', ['--offset', '2048', img, String((40 * 1024 - 1024) / 1)], {
    stdio: 'ignore',
  });
  return img;
}

describe('usage errors exit 2, with the subcommand help', () => {
  test.each([
    [['discover', '--timeout', '0'], /--timeout 0 is out of range: give more than 0/],
    [['discover', '--timeout', 'abc'], /--timeout is not a number/],
    [['connect', 'pi-1.local', '--port', '0'], /--port 0 is not a TCP port/],
    [['connect', 'pi-1.local:abc'], /port 'abc' is not a TCP port/],
    [['connect', 'pi-1.local', '--timeout', '-1'], /out of range/],
    [['connect', 'pi-1.local', '--ssh=-oProxyCommand=x'], /not user@host/],
    [['connect', 'pi-1.local', '-oProxyCommand=x'], /unknown option '-oProxyCommand=x'/],
    [['env', 'tcp://a/b'], /is not a host name or address/],
    [['configure'], /'armada configure' needs <target>/],
  ])('%j', async (args, message) => {
    const r = await armada(args, { env });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(`Run 'armada ${args[0]} --help' for usage.`);
    expect(r.stderr.match(/--help/g)).toHaveLength(1);
  });

  test('-h is help', async () => {
    const r = await armada(['connect', '-h']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/armada connect <host>/);
  });
});

describe('--json failures print one JSON error document on stdout', () => {
  test.each([
    [['discover', '--timeout', '0', '--json'], 'usage', 2],
    [['connect', 'pi-9.local', '--json'], 'user-error', 1],
    [['configure', '--json'], 'usage', 2],
  ])('%j', async (args, code, exitCode) => {
    const r = await armada(args, { env });
    expect(r.code).toBe(exitCode);
    const doc = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; message: string } };
    expect(doc).toMatchObject({ ok: false, error: { code, exitCode } });
    expect(doc.error.message.length).toBeGreaterThan(10);
  });
});

describe('seed flags', () => {
  test('a private key as --ssh-key: one problem, no key bytes, exit 2', async () => {
    const img = image('private.img');
    const key = join(dir, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    const r = await armada(['configure', img, '--hostname', 'pi-1', '--ssh-key', key], { env });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/1 problem in the seed settings/);
    expect(r.stderr).toMatch(/PRIVATE key.*id_ed25519\.pub/);
    for (const line of readFileSync(key, 'utf8').split('\n').slice(1, -2))
      expect(r.stderr).not.toContain(line.slice(0, 16));
    expect(r.stderr.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(1);
  });

  test('problem counts match the bullets; --start abc is one problem', async () => {
    const img = image('counts.img');
    const empty = join(dir, 'empty.pub');
    writeFileSync(empty, '');
    const r = await armada(
      ['configure', img, '--ssh-key', empty, '--start', 'abc', '--password', 'x'],
      { env },
    );
    expect(r.code, r.stderr).toBe(2);
    const bullets = r.stderr.split('\n').filter((l) => l.startsWith('  - '));
    expect(r.stderr).toMatch(/2 problems and 1 warning in the seed settings/);
    expect(bullets).toHaveLength(3);
    expect(r.stderr).not.toMatch(/NaN|hostname/);
  });
});

describe('passwords never need the command line', () => {
  const hashOf = (img: string) =>
    /PASSWORD_HASH='([^']+)'/.exec(
      execFileSync('mtype', ['-i', `${img}@@${2048 * 512}`, '::/armada/seed.env'], {
        encoding: 'utf8',
        env: { ...process.env, MTOOLS_SKIP_CHECK: '1' },
      }),
    )?.[1];
  /** Whether a crypt hash was made from pw (same setting: salt and rounds). */
  const matches = (hash: string, pw: string) =>
    sha512CryptWithSetting(pw, hash.slice(0, hash.lastIndexOf('$'))) === hash;

  test('--password-file - reads stdin; ARMADA_PASSWORD; argv warns', async () => {
    const img = image('secret.img');
    const base = ['configure', img, '--hostname', 'pi-1', '--tls', 'device'];
    const viaStdin = await armada([...base, '--password-file', '-'], {
      env,
      input: 'stdin pw 1\n',
    });
    expect(viaStdin.code, viaStdin.stderr).toBe(0);
    expect(viaStdin.stderr).not.toMatch(/visible to other users/);
    expect(matches(hashOf(img)!, 'stdin pw 1')).toBe(true);

    const viaEnv = await armada(base, { env: { ...env, ARMADA_PASSWORD: 'env pw 12' } });
    expect(viaEnv.code, viaEnv.stderr).toBe(0);
    expect(matches(hashOf(img)!, 'env pw 12')).toBe(true);

    const viaArgv = await armada([...base, '--password', 'argv pw 123'], { env });
    expect(viaArgv.code, viaArgv.stderr).toBe(0);
    expect(viaArgv.stderr).toMatch(/--password on the command line is visible to other users/);

    const bare = await armada([...base, '--password'], { env });
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/asks on a terminal, and there is none/);
  });
});

describe('help, completion', () => {
  test('every command help has an example', async () => {
    for (const c of [
      ['build'],
      ['doctor'],
      ['check-kernel'],
      ['flash'],
      ['drives'],
      ['configure'],
      ['ca', 'init'],
      ['ca', 'show'],
      ['connect'],
      ['env'],
      ['discover'],
    ]) {
      const r = await armada([...c, '--help']);
      expect(r.code, c.join(' ')).toBe(0);
      expect(r.stdout, c.join(' ')).toMatch(/\nExamples:\n {2}(sudo )?(eval "\$\()?armada /);
    }
  });

  test('armada completion prints a script; completions name commands and options', async () => {
    expect((await armada(['completion'])).stdout).toMatch(/armada completion >> ~\/\.bashrc/);
    const words = (await armada(['--get-yargs-completions', 'armada', 'connect', '--f'])).stdout;
    expect(words.split('\n')).toEqual(expect.arrayContaining(['--from-card', '--force']));
  });
});

describe('ca', () => {
  test('init --force confirms, keeps the old CA; one fingerprint format', async () => {
    const caEnv = { ARMADA_CONFIG_DIR: join(dir, 'ca-config') };
    expect((await armada(['ca', 'init'], { env: caEnv })).code).toBe(0);
    const first = readFileSync(join(dir, 'ca-config/ca/ca.pem'), 'utf8');
    const refused = await armada(['ca', 'init', '--force'], { env: caEnv });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/kept the laptop CA .*--yes/);
    expect(readFileSync(join(dir, 'ca-config/ca/ca.pem'), 'utf8')).toBe(first);
    const forced = await armada(['ca', 'init', '--force', '--yes'], { env: caEnv });
    expect(forced.code, forced.stderr).toBe(0);
    const old = /old CA is kept in (\S+):/.exec(forced.stdout)?.[1];
    expect(readFileSync(join(old!, 'ca.pem'), 'utf8')).toBe(first);
    expect(readFileSync(join(dir, 'ca-config/ca/ca.pem'), 'utf8')).not.toBe(first);
    const show = JSON.parse((await armada(['ca', 'show', '--json'], { env: caEnv })).stdout) as {
      ca: { sha256: string };
    };
    expect(show.ca.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('config', () => {
  test('configure takes defaults from config.json and ARMADA_*; flags win', async () => {
    const cfgEnv = { ARMADA_CONFIG_DIR: join(dir, 'defaults-config') };
    expect((await armada(['config', 'set', 'tls', 'device'], { env: cfgEnv })).code).toBe(0);
    expect(
      (await armada(['config', 'set', 'timezone', 'Europe/Berlin'], { env: cfgEnv })).code,
    ).toBe(0);
    const img = image('defaults.img');
    const seedEnv = () =>
      execFileSync('mtype', ['-i', `${img}@@${2048 * 512}`, '::/armada/seed.env'], {
        encoding: 'utf8',
        env: { ...process.env, MTOOLS_SKIP_CHECK: '1' },
      });
    const base = ['configure', img, '--hostname', 'pi-1'];
    expect((await armada(base, { env: cfgEnv })).code).toBe(0);
    expect(seedEnv()).toContain("TIMEZONE='Europe/Berlin'");
    expect(seedEnv()).toContain("TLS_MODE='device'");
    expect((await armada(base, { env: { ...cfgEnv, ARMADA_TIMEZONE: 'UTC' } })).code).toBe(0);
    expect(seedEnv()).toContain("TIMEZONE='UTC'");
    expect(
      (
        await armada([...base, '--timezone', 'Asia/Tokyo'], {
          env: { ...cfgEnv, ARMADA_TIMEZONE: 'UTC' },
        })
      ).code,
    ).toBe(0);
    expect(seedEnv()).toContain("TIMEZONE='Asia/Tokyo'");
    const shown = await armada(['config'], { env: { ...cfgEnv, ARMADA_TIMEZONE: 'UTC' } });
    expect(shown.stdout).toMatch(/tls +device +\(file; flag --tls\)/);
    expect(shown.stdout).toMatch(/timezone +UTC +\(ARMADA_TIMEZONE; flag --timezone\)/);
  });
});
