/**
 * Defaults for the seed flags, from `<config dir>/config.json` and the environment, so people
 * who seed many cards type their Wi-Fi country, key and user once. Flags win over the
 * environment, the environment over the file. Parsing is pure; reading the file is apart.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { SeedFlags } from '../seed/types.js';
import { unlessMissing } from '../fs-errors.js';

/** The keys the file may hold, their environment variables and what they default. */
export const defaultKeys = {
  wifiCountry: { env: 'ARMADA_WIFI_COUNTRY', flag: '--wifi-country' },
  sshKey: { env: 'ARMADA_SSH_KEY', flag: '--ssh-key' },
  user: { env: 'ARMADA_USER', flag: '--user' },
  tls: { env: 'ARMADA_TLS', flag: '--tls' },
  timezone: { env: 'ARMADA_TIMEZONE', flag: '--timezone' },
  locale: { env: 'ARMADA_LOCALE', flag: '--locale' },
  keymap: { env: 'ARMADA_KEYMAP', flag: '--keymap' },
  sudo: { env: 'ARMADA_SUDO', flag: '--sudo' },
} as const;

export type DefaultKey = keyof typeof defaultKeys;
export type Defaults = Partial<Record<DefaultKey, string | string[]>>;

export interface DefaultValue {
  key: DefaultKey;
  value: string | string[];
  source: 'file' | 'env';
}

export function isDefaultKey(key: string): key is DefaultKey {
  return Object.hasOwn(defaultKeys, key);
}

/** Pure: the file's text → defaults, or a UserError naming every bad entry. */
export function parseDefaults(text: string, path: string): Defaults {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${path} is not JSON (${(error as Error).message}); fix or delete it`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new UserError(`${path} must hold one JSON object, e.g. {"wifiCountry": "DE"}`);
  const out: Defaults = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    if (!isDefaultKey(key)) {
      problems.push(`'${key}' is not a setting; use ${Object.keys(defaultKeys).join(', ')}`);
      continue;
    }
    const ok =
      typeof value === 'string' ||
      (key === 'sshKey' && Array.isArray(value) && value.every((v) => typeof v === 'string'));
    if (!ok)
      problems.push(`'${key}' must be a string${key === 'sshKey' ? ' or a list of paths' : ''}`);
    else out[key] = value;
  }
  if (problems.length) throw new UserError(`${path} has problems; fix them`, problems);
  return out;
}

/** Pure: file and environment merged (the environment wins), each value with its source. */
export function effectiveDefaults(
  file: Defaults,
  env: Record<string, string | undefined>,
): DefaultValue[] {
  const out: DefaultValue[] = [];
  for (const key of Object.keys(defaultKeys) as DefaultKey[]) {
    const fromEnv = env[defaultKeys[key].env];
    if (fromEnv !== undefined && fromEnv !== '') out.push({ key, value: fromEnv, source: 'env' });
    else if (file[key] !== undefined) out.push({ key, value: file[key], source: 'file' });
  }
  return out;
}

/** Pure: sshKey's files: a list, or one string with ':' between paths (like $PATH). */
export function sshKeyPaths(value: string | string[]): string[] {
  return Array.isArray(value) ? value : value.split(':');
}

/** Pure: defaults under the flags the user gave (given flags always win). */
export function withDefaults(flags: SeedFlags, defaults: readonly DefaultValue[]): SeedFlags {
  const out: SeedFlags = { ...flags };
  for (const { key, value } of defaults) {
    if (out[key] !== undefined) continue;
    if (key === 'sshKey') out.sshKey = sshKeyPaths(value);
    else (out as Record<string, unknown>)[key] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}

export function defaultsPath(configDir: string): string {
  return join(configDir, 'config.json');
}

/** The file's defaults; none when it does not exist. */
export async function readDefaults(configDir: string): Promise<Defaults> {
  const path = defaultsPath(configDir);
  const text = await unlessMissing(readFile(path, 'utf8'), undefined);
  if (text === undefined) return {};
  return parseDefaults(text, path);
}
