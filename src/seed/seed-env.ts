/**
 * `armada/seed.env`: one `KEY='value'` per line. First boot parses it line by line without
 * sourcing it, so the only escape is the shell's `'\''`; line breaks never get this far
 * (validation rejects them) and are refused here too, as a last line of defence.
 */
import { InternalError } from '../errors.js';

/** POSIX single-quoting: safe for any value without NUL or line breaks. */
export function shellQuote(value: string): string {
  if (/[\n\r\0]/.test(value))
    throw new InternalError('a value with a line break or NUL reached the seed renderer');
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Keys in the order they are written; the contract is docs/seed.md. */
export const seedEnvKeys = [
  'HOSTNAME',
  'USERNAME',
  'PASSWORD_HASH',
  'USER_SUDO',
  'SSH_PWAUTH',
  'TIMEZONE',
  'LOCALE',
  'KEYMAP',
  'WIFI_COUNTRY',
  'WIFI_SSID',
  'WIFI_PSK',
  'TLS_MODE',
  'INSECURE_TCP',
  'ROTATE_CA',
  'SECURITY_UPDATES',
  'LIVE_RESTORE',
] as const;
export type SeedEnvKey = (typeof seedEnvKeys)[number];

export function renderSeedEnv(values: Partial<Record<SeedEnvKey, string | undefined>>): string {
  const lines: string[] = [];
  for (const key of seedEnvKeys) {
    const value = values[key];
    if (value !== undefined) lines.push(`${key}=${shellQuote(value)}`);
  }
  return lines.join('\n') + '\n';
}

/** The reader's side of the contract (what first boot does), used to check what we wrote. */
export function parseSeedEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = /^([A-Z][A-Z0-9_]*)='((?:[^']|'\\'')*)'$/.exec(line);
    if (!m) throw new Error(`not a KEY='value' line: ${line}`);
    out[m[1]] = m[2].replaceAll(`'\\''`, "'");
  }
  return out;
}
