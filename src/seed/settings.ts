/**
 * Flags laid over user-data: one validated SeedSettings for the whole run, or every problem.
 * Pure: key files are read, and the zoneinfo lookup is done, by the caller (src/seed/apply.ts).
 */
import type { Problem, SeedFlags, SeedSettings, SudoMode, WifiSettings } from './types.js';
import type { UserDataSettings } from './user-data.js';
import {
  checkCountry,
  checkHostname,
  checkKeymap,
  checkLocale,
  checkPassphrase,
  checkSsid,
  checkTimezone,
  checkUsername,
  checkSshKey,
  checkSudoMode,
  checkTlsMode,
  controlCharacter,
  type Finding,
} from './validate.js';
import { option } from '../option-names.js';
import { sanProblem } from '../tls/san.js';

export const defaultUsername = 'armada';
export const defaultSudo = 'ALL=(ALL) NOPASSWD:ALL';

/** --sudo as the sudoers rule first boot writes ('' = no sudo at all). */
const sudoRules: Record<SudoMode, string> = {
  nopasswd: defaultSudo,
  password: 'ALL=(ALL) ALL',
  none: '',
};

export interface MergeInput {
  flags: SeedFlags;
  /** Lines of the --ssh-key files (or the picked default key), with where they came from. */
  sshKeys: { source: string; line: string }[];
  userData?: { settings: UserDataSettings };
  /** How many cards this run seeds. */
  count: number;
  zoneExists?: (tz: string) => boolean | undefined;
}

export type MergeResult =
  { ok: true; settings: SeedSettings; warnings: Problem[] } | { ok: false; problems: Problem[] };

/** Pure: why a login password is weak, or undefined. */
export function weakPassword(pw: string): string | undefined {
  if (pw.length < 8) return `${pw.length} character${pw.length === 1 ? '' : 's'}`;
  if (/^(.)\1*$/.test(pw)) return 'one character repeated';
  if (/^\d+$/.test(pw) && pw.length < 12) return 'digits only';
  if (/^(password|passw0rd|raspberry|armada|admin|letmein|qwerty|welcome)\d*$/i.test(pw))
    return 'a well-known password';
  return undefined;
}

export function hostnameFor(template: string, n: number): string {
  return template.replaceAll('{n}', String(n));
}

export function mergeSettings(input: MergeInput): MergeResult {
  const { flags, count } = input;
  const problems: Problem[] = [];
  const flagProblem = (
    flag: string,
    f: Finding | undefined,
    severity: Problem['severity'] = 'error',
  ): boolean => {
    if (f) problems.push({ severity, path: flag, message: f.message, fix: f.fix });
    return !f;
  };
  const ud = input.userData?.settings;
  const given = flags.start ?? 1;
  const startOk = Number.isInteger(given) && given >= 0;
  if (!startOk)
    flagProblem(option('start'), {
      message: Number.isNaN(given)
        ? `${option('start')} is not a number`
        : `${option('start')} ${given} is not a whole number ≥ 0`,
      fix: `use e.g. ${option('start')} 1`,
    });
  // A bad --start is one problem: the host name check below goes on with the default.
  const start = startOk ? given : 1;
  const widestN = start + Math.max(count, 1) - 1;

  const hostname = flags.hostname ?? ud?.hostname;
  if (flags.hostname !== undefined)
    flagProblem(option('hostname'), checkHostname(flags.hostname, widestN));
  else if (hostname !== undefined)
    flagProblem('user-data hostname', checkHostname(hostname, widestN));
  if (count > 1 && hostname !== undefined && !hostname.includes('{n}'))
    flagProblem(option('hostname'), {
      message: `${count} cards would all be named '${hostname}'`,
      fix: `use a template such as ${option('hostname')} ${hostname}-{n}`,
    });

  const user = { ...(ud?.user ?? { sshKeys: [], groups: [] }) };
  user.sshKeys = [...user.sshKeys];
  user.groups = [...user.groups];
  if (flags.user !== undefined && flagProblem(option('user'), checkUsername(flags.user)))
    user.name = flags.user;
  for (const k of input.sshKeys) {
    const f = checkSshKey(k.line);
    if (f) flagProblem(`${option('sshKey')} ${k.source}`, f);
    else if (!user.sshKeys.includes(k.line.trim())) user.sshKeys.push(k.line.trim());
  }
  if (flags.password !== undefined) {
    const cc = controlCharacter(flags.password);
    if (
      flagProblem(option('password'), cc && { message: `the password ${cc.message}`, fix: cc.fix })
    ) {
      user.password = flags.password;
      delete user.passwordHash;
    }
    if (flags.password === '')
      flagProblem(option('password'), {
        message: 'the password is empty',
        fix: `give a password or leave ${option('password')} out`,
      });
    else if (weakPassword(flags.password))
      problems.push({
        severity: 'warning',
        path: option('password'),
        message: `the password is weak (${weakPassword(flags.password)}); SSH accepts it from the whole network`,
        fix: `use 12 or more characters, or log in with ${option('sshKey')} only`,
      });
  }
  if (flags.sudo !== undefined && flagProblem(option('sudo'), checkSudoMode(flags.sudo))) {
    user.sudo = sudoRules[flags.sudo];
    if (flags.sudo === 'password' && user.password === undefined && user.passwordHash === undefined)
      flagProblem(option('sudo'), {
        message: 'sudo with a password needs a login password, and none is set',
        fix: `add ${option('password')} (or ${option('passwordFile')}), or use ${option('sudo')} nopasswd or ${option('sudo')} none`,
      });
  }
  const canLogIn =
    user.sshKeys.length > 0 || user.password !== undefined || user.passwordHash !== undefined;
  if (user.name && !canLogIn)
    problems.push({
      severity: 'warning',
      path: option('user'),
      message: `user '${user.name}' has no SSH key and no password, so no login user is created`,
      fix: `add ${option('sshKey')} or ${option('password')}`,
    });
  // A --ssh-key that failed is its own problem: no "nobody can log in" on top of it.
  if (!canLogIn && !flags.sshKey?.length)
    problems.push({
      severity: 'warning',
      path: option('sshKey'),
      message:
        'no SSH key and no password: nobody can log in to the device (Docker over TLS still works)',
      fix: `add ${option('sshKey')} ~/.ssh/id_ed25519.pub`,
    });

  const sshPwauth = ud?.sshPwauth;
  if (sshPwauth && user.password === undefined && user.passwordHash === undefined)
    problems.push({
      severity: 'warning',
      path: 'user-data ssh_pwauth',
      message: 'SSH password login is allowed but no password is set',
      fix: 'set a password or remove ssh_pwauth',
    });

  const timezone = flags.timezone ?? ud?.timezone;
  if (flags.timezone !== undefined)
    flagProblem(option('timezone'), checkTimezone(flags.timezone, input.zoneExists));
  const locale = flags.locale ?? ud?.locale;
  if (flags.locale !== undefined) flagProblem(option('locale'), checkLocale(flags.locale));
  const keymap = flags.keymap ?? ud?.keymap;
  if (flags.keymap !== undefined) flagProblem(option('keymap'), checkKeymap(flags.keymap));

  const wifi = mergeWifi(flags, ud?.wifi, flagProblem);

  const tlsMode = flags.tls ?? 'laptop';
  flagProblem(option('tls'), checkTlsMode(tlsMode));
  for (const san of flags.san ?? []) {
    flagProblem(option('san'), sanProblem(san));
  }
  if (flags.rotateCa && tlsMode === 'laptop')
    flagProblem(option('rotateCa'), {
      message:
        "a laptop-CA card trusts this laptop's CA, which the card cannot rotate (it only rotates a device CA)",
      fix: `use ${option('tls')} device, or make a new laptop CA with 'armada ca init --force' and re-seed every card`,
    });
  const insecureTcp = flags.insecureTcp ?? false;
  if (insecureTcp)
    problems.push({
      severity: 'warning',
      path: option('insecureTcp'),
      message:
        'port 2375 will accept Docker commands WITHOUT TLS: anyone on the network controls this device',
      fix: `leave ${option('insecureTcp')} out unless this network is isolated`,
    });

  const securityUpdates = flags.securityUpdates ?? true;
  if (!securityUpdates)
    problems.push({
      severity: 'warning',
      path: option('securityUpdates'),
      message: 'the device will not install security updates by itself',
      fix: `leave ${option('securityUpdates')} out unless something else keeps it patched`,
    });
  const liveRestore = flags.liveRestore ?? true;

  if (problems.some((p) => p.severity === 'error')) return { ok: false, problems };
  const settings: SeedSettings = {
    ...(hostname !== undefined ? { hostname } : {}),
    user,
    ...(sshPwauth !== undefined ? { sshPwauth } : {}),
    ...(timezone !== undefined ? { timezone } : {}),
    ...(locale !== undefined ? { locale } : {}),
    ...(keymap !== undefined ? { keymap } : {}),
    ...(wifi?.ssid !== undefined
      ? {
          wifi: {
            ssid: wifi.ssid,
            ...(wifi.passphrase !== undefined ? { passphrase: wifi.passphrase } : {}),
            country: wifi.country,
          },
        }
      : {}),
    ...(wifi?.country !== undefined ? { wifiCountry: wifi.country } : {}),
    ethernets: ud?.ethernets ?? [],
    writeFiles: ud?.writeFiles ?? [],
    runcmd: ud?.runcmd ?? [],
    tlsMode,
    insecureTcp,
    securityUpdates,
    liveRestore,
  };
  return { ok: true, settings, warnings: problems };
}

function mergeWifi(
  flags: SeedFlags,
  fromUserData: Partial<WifiSettings> | undefined,
  flagProblem: (flag: string, f: Finding | undefined) => boolean,
): Partial<WifiSettings> | undefined {
  const ssid = flags.wifiSsid ?? fromUserData?.ssid;
  const passphrase = flags.wifiPassword ?? fromUserData?.passphrase;
  const country = flags.wifiCountry ?? fromUserData?.country;
  // An open network from user-data holds unless the flags name another network or a password.
  const open =
    Boolean(flags.wifiOpen) ||
    (fromUserData?.open === true &&
      flags.wifiSsid === undefined &&
      flags.wifiPassword === undefined);
  if (flags.wifiSsid !== undefined) flagProblem(option('wifiSsid'), checkSsid(flags.wifiSsid));
  if (flags.wifiPassword !== undefined)
    flagProblem(option('wifiPassword'), checkPassphrase(flags.wifiPassword));
  if (flags.wifiCountry !== undefined)
    flagProblem(option('wifiCountry'), checkCountry(flags.wifiCountry));
  // A country alone still sets the radio's regulatory domain: kept, with nothing to join.
  if (flags.wifiOpen && passphrase !== undefined)
    flagProblem(option('wifiOpen'), {
      message: 'an open network has no password, but one was given',
      fix: `leave out ${option('wifiOpen')} or the Wi-Fi password`,
    });
  if (flags.wifiOpen && ssid === undefined)
    flagProblem(option('wifiOpen'), {
      message: 'no network name to join',
      fix: `add ${option('wifiSsid')} <name>`,
    });
  if (ssid === undefined && passphrase === undefined)
    return country === undefined ? undefined : { country: country.toUpperCase() };
  if (ssid === undefined)
    flagProblem(option('wifiSsid'), {
      message: 'a Wi-Fi password was given without a network name',
      fix: `add ${option('wifiSsid')} <name>`,
    });
  if (passphrase === undefined && !open)
    flagProblem(option('wifiPassword'), {
      message: `Wi-Fi '${ssid}' has no password`,
      fix: `add ${option('wifiPassword')} <passphrase>, or ${option('wifiOpen')} for a network without one`,
    });
  if (country === undefined)
    flagProblem(option('wifiCountry'), {
      message: "Wi-Fi needs the country it runs in (a Pi's radio stays off without it)",
      fix: `add ${option('wifiCountry')} <ISO code>, e.g. DE or GB`,
    });
  if (ssid === undefined || country === undefined) return undefined;
  if (passphrase === undefined && !open) return undefined;
  return {
    ssid,
    ...(passphrase !== undefined ? { passphrase } : {}),
    country: country.toUpperCase(),
  };
}
