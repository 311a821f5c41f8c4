import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  checkDefault,
  checkDefaults,
  settingValue,
  withCheckedDefaults,
} from '../../../src/config/check.js';
import { defaultKeys, type DefaultKey } from '../../../src/config/defaults.js';
import { ExitCode, UserError } from '../../../src/errors.js';
import { mergeSettings } from '../../../src/seed/settings.js';
import { zoneExists } from '../../../src/seed/apply.js';
import type { SeedFlags } from '../../../src/seed/types.js';
import { option } from '../../../src/option-names.js';
import { sshKeyPair } from '../../helpers/tools.js';
import { suiteTempDir } from '../../helpers/tmp.js';

const dir = await suiteTempDir('armada-config-check-');
const pub = sshKeyPair(dir, 'id');

async function thrown(p: Promise<unknown>): Promise<UserError> {
  try {
    await p;
  } catch (error) {
    return error as UserError;
  }
  throw new Error('expected a rejection');
}

/** Bad values, one per key but sshKey (read from files; below). */
const bad: Record<Exclude<DefaultKey, 'sshKey'>, string> = {
  wifiCountry: 'UK',
  user: 'root',
  tls: 'foo',
  timezone: 'Mars/Olympus',
  locale: 'en_XX.UTF-8',
  keymap: 'de-latin1',
  sudo: 'maybe',
};

describe('one rule per key: the config check is the flag check', () => {
  test.each(Object.entries(bad))('%s %s', async (key, value) => {
    // What the flag reports for this value, through the seed merge every flag goes through.
    const merged = mergeSettings({ flags: { [key]: value }, sshKeys: [], count: 1, zoneExists });
    expect(merged.ok).toBe(false);
    const flagProblem =
      !merged.ok && merged.problems.find((p) => p.path === option(key as DefaultKey));
    expect(flagProblem).toBeTruthy();
    const findings = await checkDefault(key as DefaultKey, value, 'file');
    expect(findings).toEqual([
      {
        message: (flagProblem as { message: string }).message,
        fix: (flagProblem as { fix: string }).fix,
      },
    ]);
  });

  test('every key has a rule', () => {
    expect(Object.keys(bad).sort()).toEqual(
      Object.keys(defaultKeys)
        .filter((k) => k !== 'sshKey')
        .sort(),
    );
  });
});

describe('settingValue (config set)', () => {
  test.each(Object.entries(bad))(
    '%s %s: a usage error naming the key, one line',
    async (key, value) => {
      const e = await thrown(settingValue(key as DefaultKey, value));
      expect(e.exitCode).toBe(ExitCode.usage);
      expect(e.message).toMatch(new RegExp(`^config key '${key}' was not set: .+; .+`));
      expect(e.message).not.toMatch(/\n|--/);
      expect(e.details).toEqual([]);
    },
  );

  test('good values pass unchanged', async () => {
    expect(await settingValue('tls', 'device')).toBe('device');
    expect(await settingValue('timezone', 'Europe/Berlin')).toBe('Europe/Berlin');
    expect(await settingValue('wifiCountry', 'de')).toBe('de');
  });

  test('sshKey: paths relative to the current directory, stored absolute; files checked', async () => {
    expect(await settingValue('sshKey', 'id.pub', dir)).toEqual([pub]);
    const missing = await thrown(settingValue('sshKey', 'id.pub,gone.pub', dir));
    expect(missing.message).toBe(
      `config key 'sshKey' was not set: ${join(dir, 'gone.pub')}: cannot read the file (ENOENT); give the path of a public key, e.g. ~/.ssh/id_ed25519.pub`,
    );
    const privateKey = await thrown(settingValue('sshKey', 'id', dir));
    expect(privateKey.message).toMatch(/PRIVATE key/);
    const notAKey = join(dir, 'not-a-key.pub');
    await writeFile(notAKey, 'hello world\n');
    expect((await thrown(settingValue('sshKey', notAKey))).message).toMatch(
      /not-a-key\.pub: the line is not an OpenSSH public key/,
    );
  });
});

describe('checkDefaults (a run using the defaults)', () => {
  const path = '/home/ann/.config/armada/config.json';
  const file = (key: DefaultKey, value: string | string[]) => ({
    key,
    value,
    source: 'file' as const,
  });

  test('a bad value in the file: exit 1, the key and the file, how to change it, no flag', async () => {
    const e = await thrown(checkDefaults({}, [file('tls', 'foo')], path));
    expect(e.exitCode).toBe(ExitCode.user);
    expect(e.message).toBe(
      `config key 'tls' (in ${path}): 'foo' is not a TLS mode; use 'laptop' (this laptop's CA signs each card's certificate) or 'device' (the device makes its own at first boot), with 'armada config set tls <value>' (or 'armada config unset tls')`,
    );
  });

  test('a relative key path in the file is refused (it would depend on where armada runs)', async () => {
    const e = await thrown(checkDefaults({}, [file('sshKey', ['id.pub'])], path));
    expect(e.message).toMatch(
      /^config key 'sshKey' \(in .*\): 'id\.pub' is a relative path; give the absolute path/,
    );
  });

  test('from the environment: exit 2 naming the variable', async () => {
    const e = await thrown(
      checkDefaults({}, [{ key: 'sudo', value: 'maybe', source: 'env' }], path),
    );
    expect(e.exitCode).toBe(ExitCode.usage);
    expect(e.message).toMatch(
      /^ARMADA_SUDO=maybe: 'maybe' is not a sudo mode; .* in ARMADA_SUDO \(or unset it\)$/,
    );
  });

  test('all problems at once; values a flag overrides are not looked at', async () => {
    const values = [file('tls', 'foo'), file('sudo', 'maybe'), file('timezone', 'Nowhere')];
    const flags: SeedFlags = { timezone: 'UTC' };
    const e = await thrown(checkDefaults(flags, values, path));
    expect(e.message).toBe(`2 problems in armada's defaults (${path}); nothing was written`);
    expect(e.details.map((d) => d.slice(0, 20))).toEqual([
      "config key 'tls' (in",
      "config key 'sudo' (i",
    ]);
    await expect(
      checkDefaults({ tls: 'device', sudo: 'none', timezone: 'UTC' }, values, path),
    ).resolves.toBeUndefined();
  });

  test('withCheckedDefaults reads the file, lays the environment over it and the flags over both', async () => {
    const config = join(dir, 'config');
    await mkdir(config);
    await writeFile(join(config, 'config.json'), JSON.stringify({ tls: 'device', sshKey: [pub] }));
    expect(
      await withCheckedDefaults({ hostname: 'pi-1' }, config, { ARMADA_TIMEZONE: 'UTC' }),
    ).toEqual({
      hostname: 'pi-1',
      tls: 'device',
      sshKey: [pub],
      timezone: 'UTC',
    });
    await writeFile(join(config, 'config.json'), JSON.stringify({ tls: 'foo' }));
    const e = await thrown(withCheckedDefaults({}, config, {}));
    expect(e.message).toMatch(
      new RegExp(`^config key 'tls' \\(in ${join(config, 'config.json')}\\)`),
    );
    expect(await withCheckedDefaults({ tls: 'laptop' }, config, {})).toEqual({ tls: 'laptop' });
  });
});
