/**
 * `--user-data`: cloud-init #cloud-config as HypriotOS and Raspberry Pi Imager users write it,
 * read into armada's settings. Pure: one function, and every problem is reported at once with its
 * line and fix. Nothing is dropped silently: keys armada does not apply are errors, or warnings
 * when ignoring them is harmless.
 *
 * Parsed as YAML 1.1 like cloud-init's PyYAML, so `permissions: 0644` is octal and `yes` is true.
 */
import type { EthernetSettings, Problem, UserSettings, WifiSettings, WriteFile } from './types.js';
import { parseUsers } from './user-data-users.js';
import { parseRuncmd, parseWriteFiles } from './user-data-files.js';
import { parseNetwork } from './user-data-network.js';
import { checkHostname, checkKeymap, checkLocale, checkTimezone } from './validate.js';
import { isRecord, openYaml, ProblemList } from './yaml-problems.js';

/** What user-data contributes; flags are laid over it (src/seed/settings.ts). */
export interface UserDataSettings {
  hostname?: string;
  user: UserSettings;
  sshPwauth?: boolean;
  timezone?: string;
  locale?: string;
  keymap?: string;
  wifi?: Partial<WifiSettings>;
  ethernets: EthernetSettings[];
  writeFiles: WriteFile[];
  runcmd: (string | string[])[];
}

export type UserDataResult =
  | { ok: true; settings: UserDataSettings; warnings: Problem[] }
  | { ok: false; problems: Problem[] };

export interface UserDataOptions {
  /** Does /usr/share/zoneinfo/<tz> exist? undefined = cannot tell here. */
  zoneExists?: (tz: string) => boolean | undefined;
}

/** Keys whose absence of effect does no harm: listed to the user as warnings. */
const harmless: Record<string, string> = {
  manage_etc_hosts: 'armada writes /etc/hosts itself',
  preserve_hostname: 'armada sets the hostname from the seed',
  package_update:
    'packages are not updated at first boot (the device may be offline); run apt-get later or in runcmd',
  package_upgrade: 'packages are not upgraded at first boot; run apt-get later or in runcmd',
  package_reboot_if_required: 'first boot does not reboot for packages',
  apt_preserve_sources_list: 'armada leaves the APT sources of the image alone',
  apt: 'APT configuration is not changed at first boot',
  disable_root: 'root cannot log in over SSH on armada images anyway',
  ssh_deletekeys: 'armada images ship without SSH host keys; first boot makes new ones',
  ssh_genkeytypes: 'first boot makes the default SSH host key types',
  resize_rootfs: 'first boot always grows the root file system',
  growpart: 'first boot always grows the root file system',
  final_message: 'first boot logs its own summary',
  locale_configfile: 'the locale is written to /etc/default/locale',
  rpi: 'armada images keep the firmware defaults (no I2C, SPI, 1-Wire, serial or USB gadget changes); add dtparam=/dtoverlay= lines to config.txt on the boot partition for them',
  enable_ssh: 'SSH is always enabled on armada images',
  output: 'first boot logs to the console and /var/log/armada-firstboot.log',
};

/** Packages armada images already carry (Raspberry Pi Imager asks for avahi-daemon). */
const preinstalled = new Set([
  'avahi-daemon',
  'openssh-server',
  'docker.io',
  'docker-ce',
  'sudo',
  'curl',
  'ca-certificates',
]);

const handled = new Set([
  'hostname',
  'users',
  'ssh_authorized_keys',
  'password',
  'chpasswd',
  'ssh_pwauth',
  'timezone',
  'locale',
  'keyboard',
  'write_files',
  'runcmd',
  'network',
  'wifis',
  'ethernets',
  'packages',
  'manage_resolv_conf',
]);

function stringSetting(
  doc: Record<string, unknown>,
  key: string,
  p: ProblemList,
): string | undefined {
  const v = doc[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  p.error(
    [key],
    v === false
      ? `'${key}' was read as false (YAML 1.1 reads no/off as false)`
      : `${key} is not a string`,
    'quote the value',
  );
  return undefined;
}

function parsePackages(value: unknown, p: ProblemList): void {
  const list = Array.isArray(value) ? value : [value];
  const missing = list
    .filter((x) => typeof x !== 'string' || !preinstalled.has(x))
    .map((x) => (Array.isArray(x) ? x.join('=') : String(x)));
  if (missing.length === 0)
    p.warn(
      ['packages'],
      `packages is ignored: ${list.join(', ')} ${list.length > 1 ? 'are' : 'is'} already on armada images`,
      'remove packages',
    );
  else
    p.error(
      ['packages'],
      `packages are not installed at first boot (the device may be offline): ${missing.join(', ')}`,
      `install them later, or add '- apt-get install -y ${missing.join(' ')}' to runcmd`,
    );
}

export function parseUserData(text: string, opts: UserDataOptions = {}): UserDataResult {
  const { doc, p } = openYaml(text);
  if (!doc) return { ok: false, problems: p.problems };

  const first = text
    .replace(/^\uFEFF/, '')
    .split('\n', 1)[0]
    .trim();
  if (first.startsWith('#!')) {
    p.error(
      [],
      'user-data scripts are not supported',
      'write a #cloud-config and put the commands under runcmd',
    );
    return { ok: false, problems: p.problems };
  }
  if (first !== '#cloud-config')
    p.warn(
      [],
      'the first line is not #cloud-config (cloud-init would ignore this file)',
      'start the file with the line #cloud-config',
    );

  const root: unknown = doc.toJS({ maxAliasCount: 100 });
  const settings: UserDataSettings = {
    user: { sshKeys: [], groups: [] },
    ethernets: [],
    writeFiles: [],
    runcmd: [],
  };
  if (root === null || root === undefined) return { ok: true, settings, warnings: p.problems };
  if (!isRecord(root)) {
    p.error([], 'user-data is not a mapping of settings', 'write settings as "key: value" lines');
    return { ok: false, problems: p.problems };
  }

  const hostname = stringSetting(root, 'hostname', p);
  if (hostname !== undefined && p.check(['hostname'], checkHostname(hostname)))
    settings.hostname = hostname;
  const timezone = stringSetting(root, 'timezone', p);
  if (timezone !== undefined && p.check(['timezone'], checkTimezone(timezone, opts.zoneExists)))
    settings.timezone = timezone;
  const locale = stringSetting(root, 'locale', p);
  if (locale !== undefined && p.check(['locale'], checkLocale(locale))) settings.locale = locale;
  if (root.keyboard !== undefined) {
    const kb = root.keyboard;
    if (!isRecord(kb))
      p.error(['keyboard'], 'keyboard is not a mapping', 'write keyboard: { layout: de }');
    else {
      const layout = kb.layout;
      if (typeof layout === 'string') {
        if (p.check(['keyboard', 'layout'], checkKeymap(layout))) settings.keymap = layout;
      } else
        p.error(
          ['keyboard', 'layout'],
          layout === false
            ? "layout 'no' was read as false (YAML 1.1)"
            : 'keyboard.layout is missing',
          'quote it, e.g. layout: "no"',
        );
      for (const k of Object.keys(kb)) {
        if (k === 'model' && kb.model === 'pc105') continue;
        if (k !== 'layout')
          p.warn(
            ['keyboard', k],
            `keyboard.${k} is ignored (armada sets the console layout only)`,
            `remove ${k}`,
          );
      }
    }
  }

  const users = parseUsers(root, p);
  settings.user = users.user;
  if (users.sshPwauth !== undefined) settings.sshPwauth = users.sshPwauth;

  const files =
    root.write_files === undefined ? { writeFiles: [] } : parseWriteFiles(root.write_files, p);
  settings.writeFiles = files.writeFiles;
  if (root.runcmd !== undefined) settings.runcmd = parseRuncmd(root.runcmd, p);
  const network = parseNetwork(root, p);
  settings.ethernets = network.ethernets;
  if (files.wifi && network.wifi)
    p.error(['write_files'], 'Wi-Fi is given both in write_files and in wifis', 'keep one of them');
  const wifi = network.wifi ?? files.wifi;
  if (wifi) settings.wifi = wifi;
  if (root.packages !== undefined) parsePackages(root.packages, p);
  // Raspberry Pi Imager writes false: leave /etc/resolv.conf to the network stack, which is what
  // armada does anyway (armada-resolv.path follows systemd-networkd's DHCP and DNS=).
  if (root.manage_resolv_conf !== undefined && root.manage_resolv_conf !== false)
    p.warn(
      ['manage_resolv_conf'],
      'manage_resolv_conf is ignored: /etc/resolv.conf follows DHCP and the network config (resolv_conf is not applied)',
      'remove manage_resolv_conf, and give DNS servers as nameservers in the network config',
    );

  for (const key of Object.keys(root)) {
    if (handled.has(key)) continue;
    if (Object.hasOwn(harmless, key))
      p.warn([key], `${key} is ignored: ${harmless[key]}`, `remove ${key}`);
    else
      p.error(
        [key],
        `'${key}' is not supported by armada's first boot`,
        `remove ${key}, or do it with runcmd or write_files`,
      );
  }

  const sorted = [...p.problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  if (p.hasErrors) return { ok: false, problems: sorted };
  return { ok: true, settings, warnings: sorted };
}
