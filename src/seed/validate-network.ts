/**
 * Checks for the values user-data puts into systemd-networkd and udev files. Every value lands
 * on a `Key=value` line of its own, so anything outside a narrow set of characters could start
 * a new line or section there ("networkd option injection"): such values are errors, never
 * repaired or replaced by a default.
 */
import { isIP } from 'node:net';
import type { Finding } from './validate.js';

const bad = (message: string, fix: string): Finding => ({ message, fix });

/** A value as the user wrote it, with line breaks and control characters made visible. */
function shown(value: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(value) ? JSON.stringify(value) : `'${value}'`;
}

/**
 * A kernel interface name: at most 15 bytes (IFNAMSIZ), no '/', ':' or white space; networkd
 * and udev also refuse all-digit names. Narrower still: what Pi and QEMU names look like.
 */
export function checkInterfaceName(value: string): Finding | undefined {
  const fix =
    "use at most 15 letters, digits, '.', '_' or '-', starting with a letter or digit, e.g. eth0 or lan0";
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,14}$/.test(value))
    return bad(`${shown(value)} is not an interface name`, fix);
  if (/^[0-9]+$/.test(value)) return bad(`interface name ${shown(value)} is all digits`, fix);
  return undefined;
}

const globChars = /[*?[\]]/;

/** An interface name or a shell glob over names (networkd's `Name=`, e.g. `en*`). */
export function checkInterfaceGlob(value: string): Finding | undefined {
  if (!globChars.test(value)) return checkInterfaceName(value);
  if (!/^[A-Za-z0-9*?[][A-Za-z0-9._*?[\]-]{0,31}$/.test(value))
    return bad(
      `${shown(value)} is not an interface name pattern`,
      "use letters, digits, '.', '_', '-' and the wildcards * ? [...], e.g. en* or eth[01]",
    );
  return undefined;
}

/** A kernel driver name or glob (networkd's `Driver=`, matched against udev's ID_NET_DRIVER). */
export function checkDriver(value: string): Finding | undefined {
  if (/^[A-Za-z0-9*?[][A-Za-z0-9._*?[\]-]{0,31}$/.test(value)) return undefined;
  return bad(
    `${shown(value)} is not a driver name`,
    "use the name 'ethtool -i <interface>' shows, e.g. r8152 or virtio_net",
  );
}

/** `192.168.1.31/24` or `fd00::31/64`. */
export function isCidr(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const [addr, len, ...rest] = value.split('/');
  const kind = isIP(addr ?? '');
  const n = Number(len);
  return (
    rest.length === 0 &&
    kind !== 0 &&
    /^[0-9]{1,3}$/.test(len ?? '') &&
    n <= (kind === 4 ? 32 : 128)
  );
}

/** A DNS search domain: dot-separated host labels. */
export function checkSearchDomain(value: string): Finding | undefined {
  const label = /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$/;
  const labels = value.replace(/\.$/, '').split('.');
  if (value.length <= 253 && labels.every((l) => label.test(l))) return undefined;
  return bad(`${shown(value)} is not a domain name`, 'write e.g. home.lan');
}
