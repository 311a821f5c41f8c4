/**
 * Value checks for seed settings. Each returns undefined when the value is fine, else what is
 * wrong and the fix. Pure: the zoneinfo lookup is passed in.
 */
import { isoCountries } from './iso-countries.js';
import { supportedLocales, xkbLayouts } from './locale-names.js';
import { option } from '../option-names.js';
import type { SudoMode, TlsMode } from './types.js';
import { bad, controlCharacter, type Finding } from '../ssh-key.js';

export { checkSshKey, controlCharacter, type Finding } from '../ssh-key.js';

const label = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/;

/**
 * RFC 1123 host label, at most 63 characters. `{n}` (the card's number) is allowed and
 * checked with the widest number this run will substitute.
 */
export function checkHostname(value: string, widestN = 1): Finding | undefined {
  const fix = "use letters, digits and '-' (not first or last), at most 63 characters, e.g. pi-{n}";
  if (value.includes('.'))
    return bad(
      `hostname '${value}' has a dot; it must be one label`,
      `use '${value.split('.')[0]}' (the device is reachable as <hostname>.local)`,
    );
  const unknownBraces = value.replaceAll('{n}', '').match(/[{}]/);
  if (unknownBraces)
    return bad(
      `hostname '${value}' has a '{' or '}' that is not '{n}'`,
      "write the card's number as {n}",
    );
  const sample = value.replaceAll('{n}', String(widestN));
  if (sample.length > 63)
    return bad(`hostname '${sample}' is ${sample.length} characters long`, fix);
  if (!label.test(sample)) return bad(`hostname '${value}' is not a valid host name`, fix);
  if (/^[0-9]+$/.test(sample))
    return bad(`hostname '${value}' is all digits`, 'start it with a letter, e.g. pi-1');
  return undefined;
}

/**
 * Names Debian reserves for system accounts: a login user named like this breaks the system (and
 * would get the docker group). First boot refuses the same names (src/firstboot/plan.ts).
 */
export const systemNames: ReadonlySet<string> = new Set(
  (
    'root daemon bin sys sync games man lp mail news uucp proxy www-data backup list irc gnats _gnats ' +
    'nobody nogroup _apt messagebus sshd avahi avahi-autoipd systemd-network systemd-resolve ' +
    'systemd-timesync systemd-journal systemd-coredump polkitd dnsmasq statd tss ntp chrony docker ' +
    'dockremap operator adm staff users sudo netdev'
  ).split(' '),
);

/** Debian adduser's default NAME_REGEX, 32 characters, not a system name. */
export function checkUsername(value: string): Finding | undefined {
  const fix =
    "use lower-case letters, digits, '-' and '_', starting with a letter, at most 32 characters";
  if (value.length > 32) return bad(`user name '${value}' is longer than 32 characters`, fix);
  if (!/^[a-z][-a-z0-9_]*\$?$/.test(value))
    return bad(`user name '${value}' is not a valid Debian user name`, fix);
  if (systemNames.has(value) || value.startsWith('systemd-'))
    return bad(
      `user name '${value}' is a system account`,
      "choose a personal name such as 'pi' or your own",
    );
  return undefined;
}

/** crypt(3) hashes first boot can hand to usermod -p. */
export function checkPasswordHash(value: string): Finding | undefined {
  if (/^\$(6|5)\$(rounds=\d+\$)?[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{43,86}$/.test(value))
    return undefined;
  if (/^\$(y|gy|7|2[aby])\$[^\s:]+$/.test(value)) return undefined;
  return bad(
    'is not a crypt(3) password hash ($6$…, $5$…, $y$…)',
    `give the plain password with ${option('password')} (armada hashes it) or make a hash with 'openssl passwd -6'`,
  );
}

export function checkTimezone(
  value: string,
  zoneExists?: (tz: string) => boolean | undefined,
): Finding | undefined {
  const fix =
    "use an Area/City name such as 'Europe/Berlin' or 'UTC' (see 'timedatectl list-timezones')";
  const shape = /^(UTC|GMT|[A-Z][A-Za-z_+-]*(\/[A-Za-z0-9_+-]+){1,2})$/;
  if (!shape.test(value) || value.includes('..'))
    return bad(`timezone '${value}' is not an Area/City name`, fix);
  if (zoneExists?.(value) === false) return bad(`timezone '${value}' is unknown`, fix);
  return undefined;
}

export function checkLocale(value: string): Finding | undefined {
  if (/^(C|POSIX|C\.UTF-8|C\.utf8)$/.test(value)) return undefined;
  const fix = "use a name such as 'en_GB.UTF-8' or 'de_DE.UTF-8' (see /usr/share/i18n/SUPPORTED)";
  if (!/^[a-z]{2,3}(_[A-Z]{2})?(\.[A-Za-z0-9-]+)?(@[a-z]+)?$/.test(value))
    return bad(`locale '${value}' is not a locale name`, fix);
  // glibc spells the charset either way; SUPPORTED uses UTF-8.
  const normal = value.replace(/\.utf-?8/i, '.UTF-8');
  if (!supportedLocales.has(normal)) return bad(`locale '${value}' is unknown`, fix);
  return undefined;
}

export function checkKeymap(value: string): Finding | undefined {
  const fix = "use an XKB layout such as 'us', 'gb', 'de' or 'fr' (several: 'us,de')";
  const unknown = value.split(',').filter((l) => !xkbLayouts.has(l));
  if (!unknown.length) return undefined;
  const prefix = /^([a-z]{2,})[-_]/.exec(value)?.[1];
  if (prefix && xkbLayouts.has(prefix))
    return bad(
      `'${value}' is a console keymap name, not an XKB layout`,
      `use '${prefix}' (first boot writes it to /etc/default/keyboard as XKBLAYOUT)`,
    );
  return bad(
    /^[a-z]{2,}(,[a-z]{2,})*$/.test(value)
      ? `keyboard layout '${unknown.join(',')}' is unknown`
      : `keyboard layout '${value}' is not a layout name`,
    fix,
  );
}

/** Pure: upper-cased ISO 3166-1 alpha-2 code, or the problem. */
export function checkCountry(value: string): Finding | undefined {
  const upper = value.toUpperCase();
  if (upper === 'UK')
    return bad("Wi-Fi country 'UK' is not an ISO code", "use 'GB' for the United Kingdom");
  if (!isoCountries.has(upper))
    return bad(
      `Wi-Fi country '${value}' is not an ISO 3166-1 alpha-2 code`,
      "use the two-letter code of where the Pi runs, e.g. 'DE', 'GB', 'US'",
    );
  return undefined;
}

export function checkSsid(value: string): Finding | undefined {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes === 0)
    return bad('the Wi-Fi SSID is empty', `give the network name with ${option('wifiSsid')}`);
  if (bytes > 32)
    return bad(
      `the Wi-Fi SSID is ${bytes} bytes long; Wi-Fi allows at most 32`,
      'check the network name',
    );
  const cc = controlCharacter(value);
  if (cc) return bad(`the Wi-Fi SSID ${cc.message}`, cc.fix);
  return undefined;
}

/** WPA2/3-Personal: 8–63 printable ASCII characters, or the 64-hex-digit PSK itself. */
export function checkPassphrase(value: string): Finding | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return undefined;
  if (value.length < 8 || value.length > 63)
    return bad(
      `the Wi-Fi passphrase is ${value.length} characters; WPA needs 8–63 (or a 64-hex-digit PSK)`,
      'check the Wi-Fi password',
    );
  if (!/^[\x20-\x7e]+$/.test(value))
    return bad(
      'the Wi-Fi passphrase has characters outside printable ASCII',
      'WPA passphrases are ASCII; check the Wi-Fi password',
    );
  return undefined;
}

export function checkShell(value: string): Finding | undefined {
  if (/^\/[A-Za-z0-9_./-]+$/.test(value) && !value.includes('..')) return undefined;
  return bad(`shell '${value}' is not an absolute path`, "use e.g. '/bin/bash'");
}

export function checkSudo(value: string): Finding | undefined {
  const cc = controlCharacter(value);
  if (cc) return bad(`sudo rule ${cc.message}`, 'give one rule, e.g. ALL=(ALL) NOPASSWD:ALL');
  if (value !== '' && !/^[^=]+=/.test(value))
    return bad(
      `sudo rule '${value}' is not a sudoers rule`,
      "use e.g. 'ALL=(ALL) NOPASSWD:ALL' or false for no sudo",
    );
  return undefined;
}

/** Who makes the TLS certificates: this laptop's CA, or the device at first boot. */
export const tlsModes = ['laptop', 'device'] as const satisfies readonly TlsMode[];

export function checkTlsMode(value: string): Finding | undefined {
  if ((tlsModes as readonly string[]).includes(value)) return undefined;
  return bad(
    `'${value}' is not a TLS mode`,
    "use 'laptop' (this laptop's CA signs each card's certificate) or 'device' (the device makes its own at first boot)",
  );
}

/** The login user's sudo: without a password, asking for it, or none. */
export const sudoModes = ['nopasswd', 'password', 'none'] as const satisfies readonly SudoMode[];

export function checkSudoMode(value: string): Finding | undefined {
  if ((sudoModes as readonly string[]).includes(value)) return undefined;
  return bad(`'${value}' is not a sudo mode`, "use 'nopasswd', 'password' or 'none'");
}
