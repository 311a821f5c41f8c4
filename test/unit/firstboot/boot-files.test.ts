/**
 * First boot and the other tools' files on the boot partition: Raspberry Pi OS's ssh,
 * userconf.txt and wpa_supplicant.conf applied on a card without an armada seed, Raspberry Pi
 * Imager's cloud-init files named as not applied. Runs the rendered script's functions in dash
 * and bash against a temporary boot partition.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { renderSeedEnv } from '../../../src/seed/seed-env.js';
import { suiteTempDir } from '../../helpers/tmp.js';
import { q, runLib, shells, writeScript } from './run-sh.js';

const dir = await suiteTempDir('armada-firstboot-boot-files-');
const script = writeScript(dir);
const hash = '$6$Ab.cd$' + 'x'.repeat(86);
const psk = '1b53013ac2745608a646ba32f15e6450705463ab3a3ca47c0659723c8c05c72b';

let n = 0;
/** A boot partition with `files` at its root (armada/ inside it when `seedEnv` is given). */
function card(files: Record<string, string>, seedEnv?: string) {
  const boot = join(dir, `b${++n}`);
  mkdirSync(join(boot, 'state'), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(boot, name), text);
  if (seedEnv !== undefined) {
    mkdirSync(join(boot, 'armada'));
    writeFileSync(join(boot, 'armada/seed.env'), seedEnv);
  }
  const vars =
    `BOOT_DIR=${q(boot)}; SEED_DIR=${q(join(boot, 'armada'))}; STATE_DIR=${q(join(boot, 'state'))}; ` +
    `IMAGE_ENV=${q(join(boot, 'none'))}; TLS_DIR=${q(join(boot, 'tls'))}; FIRST_RUN=1; FAILED='';`;
  return { boot, vars };
}

const show =
  'load_settings >/dev/null; printf "%s|" "$LOGIN_USER" "$S_PASSWORD_HASH" "$S_USER_SUDO_SET" "$S_SSH_PWAUTH" "$S_WIFI_SSID" "$S_WIFI_PSK" "$S_WIFI_COUNTRY" "$BOOT_APPLIED"';

describe.each(shells)('%s: Raspberry Pi OS files without an armada seed', (shell) => {
  test('ssh + userconf.txt: that user with its hash, SSH password login; sudo as for any new user', () => {
    const { vars } = card({ ssh: '', 'userconf.txt': `pi:${hash}\r\n` });
    const r = runLib(script, `${vars} ${show}`, shell);
    expect(r.stdout).toBe(`pi|${hash}|0|1||||userconf.txt ssh|`);
    expect(r.stderr).toContain(
      "no armada seed: applying Raspberry Pi OS's userconf.txt ssh from the boot partition; user pi with its password, SSH password login on",
    );
    expect(r.stderr).not.toContain('no seed (armada/');
  });

  test('userconf without ssh: the user, keys-only SSH (password on the console)', () => {
    const { vars } = card({ userconf: `ann:${hash}\n` });
    expect(runLib(script, `${vars} ${show}`, shell).stdout).toBe(`ann|${hash}|0|||||userconf|`);
  });

  test('wpa_supplicant.conf: the first network, passphrase or hex PSK, country; others warned', () => {
    const { vars } = card({
      'wpa_supplicant.conf':
        'ctrl_interface=DIR=/var/run/wpa_supplicant GROUP=netdev\r\nupdate_config=1\ncountry=GB\n\n' +
        'network={\n\tssid="Pi Lab 5G"\n\tpsk="correct horse"\n\tkey_mgmt=WPA-PSK\n}\n' +
        `network={\n  ssid="Other"\n  psk=${psk}\n}\n`,
    });
    const r = runLib(script, `${vars} ${show}`, shell);
    expect(r.stdout).toBe('||0||Pi Lab 5G|correct horse|GB|wpa_supplicant.conf|');
    expect(r.stderr).toContain('only the first network (Pi Lab 5G) is set up');
    const hex = card({ 'wpa_supplicant.conf': `network={\n ssid=50692d4c6162\n psk=${psk}\n}\n` });
    expect(runLib(script, `${hex.vars} ${show}`, shell).stdout).toBe(
      `||0||Pi-Lab|${psk}||wpa_supplicant.conf|`,
    );
    const open = card({ 'wpa_supplicant.conf': 'network={\n ssid="Cafe"\n key_mgmt=NONE\n}\n' });
    expect(runLib(script, `${open.vars} ${show}`, shell).stdout).toBe(
      '||0||Cafe|||wpa_supplicant.conf|',
    );
  });

  test.each([
    ['network={\n ssid="Corp"\n key_mgmt=WPA-EAP\n eap=PEAP\n}\n', /802\.1X \(EAP\) and WEP/],
    ['network={\n ssid="Old"\n wep_key0="abcde"\n key_mgmt=NONE\n}\n', /802\.1X \(EAP\) and WEP/],
    ['network={\n ssid="Short"\n psk="short"\n}\n', /not an 8-63 character passphrase/],
    ['network={\n ssid="NoKey"\n}\n', /has no psk/],
    ['country=DE\n', /no network=\{\.\.\.\} block/],
  ])('a wpa_supplicant.conf armada cannot use is named with why: %j', (text, why) => {
    const { vars } = card({ 'wpa_supplicant.conf': text });
    const r = runLib(script, `${vars} ${show}`, shell);
    expect(r.stdout).toBe('||0||||||');
    expect(r.stderr).toMatch(/wpa_supplicant\.conf on the boot partition is not applied: /);
    expect(r.stderr).toMatch(why);
  });

  test('a userconf.txt armada cannot use: named, with why; no user', () => {
    for (const text of [`root:${hash}\n`, 'pi:raspberry\n', 'no colon\n', `pi:$6$a b\n`]) {
      const { vars } = card({ 'userconf.txt': text });
      const r = runLib(script, `${vars} ${show}`, shell);
      expect(r.stdout, text).toBe('||0||||||');
      expect(r.stderr, text).toMatch(/userconf\.txt on the boot partition is not applied: /);
      expect(r.stderr, text).not.toContain('raspberry');
    }
  });
});

describe('with an armada seed, or Imager’s cloud-init files', () => {
  test('an armada seed is the whole truth: the Raspberry Pi OS files are named as not applied', () => {
    const { vars } = card(
      { ssh: '', 'userconf.txt': `pi:${hash}\n`, 'wpa_supplicant.conf': 'network={}\n' },
      renderSeedEnv({ HOSTNAME: 'pi-1' }),
    );
    const r = runLib(script, `${vars} ${show}; echo; boot_files_json`);
    expect(r.stdout.split('\n')[0]).toBe('||0||||||');
    const json = JSON.parse(r.stdout.split('\n')[1]) as { ignored: { file: string }[] };
    expect(json.ignored.map((i) => i.file)).toEqual(['ssh', 'userconf.txt', 'wpa_supplicant.conf']);
    expect(r.stderr).toMatch(/userconf\.txt on the boot partition is not applied: the armada seed/);
  });

  test('user-data, network-config and firstrun.sh are not applied, and status.json says why', () => {
    const { vars } = card({
      'user-data': '#cloud-config\n',
      'network-config': 'network: {version: 2}\n',
      'meta-data': 'instance-id: x\n',
      'firstrun.sh': '#!/bin/sh\n',
      ssh: '',
    });
    const r = runLib(
      script,
      `${vars} load_settings >/dev/null; status_json h e device '' '' 1 0 v '' '{}'`,
    );
    const status = JSON.parse(r.stdout) as {
      bootFiles: { applied: string[]; ignored: { file: string; why: string }[] };
    };
    expect(status.bootFiles.applied).toEqual(['ssh']);
    expect(status.bootFiles.ignored).toEqual([
      { file: 'user-data', why: expect.stringMatching(/run 'armada configure' on this card/) },
      { file: 'network-config', why: expect.stringMatching(/cloud-init settings/) },
      { file: 'firstrun.sh', why: expect.stringMatching(/runs no script/) },
    ]);
    expect(r.stderr).toContain('user-data on the boot partition is not applied');
  });
});

describe('taking them off the card', () => {
  test('applied files go after their steps, the secrets overwritten first; a failed step keeps its file', () => {
    const files = {
      ssh: '',
      'userconf.txt': `pi:${hash}\n`,
      'wpa_supplicant.conf': 'network={\n ssid="A"\n psk="12345678"\n}\n',
    };
    const { boot, vars } = card(files);
    const r = runLib(
      script,
      `${vars} shred() { for a; do :; done; echo "shred $a" >&2; command shred "$@"; }; load_settings >/dev/null; scrub_boot_files >/dev/null; echo "rc=$?"`,
    );
    expect(r.stdout).toBe('rc=0\n');
    for (const f of Object.keys(files)) expect(existsSync(join(boot, f)), f).toBe(false);
    expect(r.stderr).toContain(`shred ${join(boot, 'userconf.txt')}`);
    expect(r.stderr).toContain(`shred ${join(boot, 'wpa_supplicant.conf')}`);

    const kept = card(files);
    runLib(
      script,
      `${kept.vars} load_settings >/dev/null; FAILED=' user network'; scrub_boot_files`,
    );
    expect(readFileSync(join(kept.boot, 'userconf.txt'), 'utf8')).toBe(files['userconf.txt']);
    expect(existsSync(join(kept.boot, 'wpa_supplicant.conf'))).toBe(true);
    expect(existsSync(join(kept.boot, 'ssh'))).toBe(false);
  });

  test('ignored files stay where they are', () => {
    const { boot, vars } = card({ 'user-data': '#cloud-config\n' }, renderSeedEnv({}));
    runLib(script, `${vars} load_settings >/dev/null; scrub_boot_files`);
    expect(existsSync(join(boot, 'user-data'))).toBe(true);
  });

  test('the ssh file enables and starts sshd when the image left it off (on systemd)', () => {
    const { vars } = card({ ssh: '' });
    // systemctl is a stand-in: is-enabled says no, the rest is echoed.
    const r = runLib(
      script,
      `${vars} load_settings >/dev/null; systemctl() { echo "systemctl $*"; [ "$1" != -q ]; }; enable_sshd`,
    );
    expect(r.stdout).toBe(
      existsSync('/run/systemd/system')
        ? 'systemctl -q is-enabled ssh.service\nsystemctl enable ssh.service\nsystemctl --no-block start ssh.service\n'
        : '',
    );
  });
});
