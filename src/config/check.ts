/**
 * The defaults' values under the rules of their flags: the same checks (src/seed/validate.ts, and
 * readKeys for key files) that `--tls`, `--timezone`, `--ssh-key` … go through, applied when a
 * value is set and again when a run uses it (the file may have been edited by hand, the
 * environment set anywhere). Messages name the config key and its file, or the environment
 * variable, never a flag the user did not type.
 */
import { isAbsolute, resolve } from 'node:path';
import { UsageError, UserError } from '../errors.js';
import { readKeys, zoneExists } from '../seed/apply.js';
import type { Problem, SeedFlags } from '../seed/types.js';
import {
  checkCountry,
  checkKeymap,
  checkLocale,
  checkSshKey,
  checkSudoMode,
  checkTimezone,
  checkTlsMode,
  checkUsername,
  type Finding,
} from '../seed/validate.js';
import {
  defaultKeys,
  defaultsPath,
  effectiveDefaults,
  readDefaults,
  sshKeyPaths,
  withDefaults,
  type DefaultKey,
  type DefaultValue,
} from './defaults.js';

/** Each key's flag rule; sshKey (files to read) is checked apart. */
const rules: Record<Exclude<DefaultKey, 'sshKey'>, (value: string) => Finding | undefined> = {
  wifiCountry: checkCountry,
  user: checkUsername,
  tls: checkTlsMode,
  timezone: (v) => checkTimezone(v, zoneExists),
  locale: checkLocale,
  keymap: checkKeymap,
  sudo: checkSudoMode,
};

/** --ssh-key's rules for each file (readable, a public key, every line a valid key). */
async function checkKeyFiles(paths: readonly string[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const path of paths) {
    // readKeys names the flag in a problem's `path`; here the file alone says where.
    const problems: Problem[] = [];
    const keys = await readKeys([path], problems);
    for (const p of problems) findings.push({ message: `${path}: ${p.message}`, fix: p.fix });
    for (const { line } of keys) {
      const f = checkSshKey(line);
      if (f) findings.push({ message: `${path}: ${f.message}`, fix: f.fix });
    }
  }
  return findings;
}

/** What is wrong with one value (nothing: []). The file's key paths must be absolute. */
export async function checkDefault(
  key: DefaultKey,
  value: string | string[],
  source: DefaultValue['source'] | 'set',
): Promise<Finding[]> {
  if (key !== 'sshKey') {
    const f = rules[key](Array.isArray(value) ? value.join(',') : value);
    return f ? [f] : [];
  }
  const paths = sshKeyPaths(value);
  // A relative path in the file would depend on where armada happens to run.
  const relative = source === 'file' ? paths.filter((p) => !isAbsolute(p)) : [];
  if (relative.length)
    return relative.map((p) => ({
      message: `'${p}' is a relative path`,
      fix: `give the absolute path, e.g. '${resolve(p)}'`,
    }));
  return checkKeyFiles(paths);
}

function where(v: DefaultValue, path: string): string {
  return v.source === 'env'
    ? `${defaultKeys[v.key].env}=${Array.isArray(v.value) ? v.value.join(':') : v.value}`
    : `config key '${v.key}' (in ${path})`;
}

function remedy(v: DefaultValue): string {
  return v.source === 'env'
    ? ` in ${defaultKeys[v.key].env} (or unset it)`
    : `, with 'armada config set ${v.key} <value>' (or 'armada config unset ${v.key}')`;
}

/**
 * Throws when a default this run uses is invalid: exit 1 for the file (like a bad user-data
 * file), 2 for the environment (like a bad flag). Values a flag overrides are not looked at.
 */
export async function checkDefaults(
  flags: SeedFlags,
  values: readonly DefaultValue[],
  path: string,
): Promise<void> {
  const lines: string[] = [];
  const sources = new Set<string>();
  for (const v of values) {
    if (flags[v.key] !== undefined) continue;
    for (const f of await checkDefault(v.key, v.value, v.source)) {
      lines.push(`${where(v, path)}: ${f.message}; ${f.fix}${remedy(v)}`);
      sources.add(v.source === 'file' ? path : defaultKeys[v.key].env);
    }
  }
  if (!lines.length) return;
  const fromFile = sources.has(path);
  const [message, details] =
    lines.length === 1
      ? [lines[0], []]
      : [
          `${lines.length} problems in armada's defaults (${[...sources].join(', ')}); nothing was written`,
          lines,
        ];
  throw fromFile ? new UserError(message, details) : new UsageError(message, details);
}

/** flash and configure: the defaults from `configDir` and `env` under the flags, checked. */
export async function withCheckedDefaults(
  flags: SeedFlags,
  configDir: string,
  env: Record<string, string | undefined> = process.env,
): Promise<SeedFlags> {
  const values = effectiveDefaults(await readDefaults(configDir), env);
  await checkDefaults(flags, values, defaultsPath(configDir));
  return withDefaults(flags, values);
}

/**
 * `armada config set`: the value to store, checked like its flag (exit 2 when it would fail).
 * sshKey takes paths separated by commas, relative to the current directory like --ssh-key's,
 * and stores them absolute.
 */
export async function settingValue(
  key: DefaultKey,
  raw: string,
  cwd = process.cwd(),
): Promise<string | string[]> {
  const value = key === 'sshKey' ? raw.split(',').map((p) => resolve(cwd, p)) : raw;
  const findings = await checkDefault(key, value, 'set');
  const lines = findings.map((f) => `${f.message}; ${f.fix}`);
  if (lines.length === 1) throw new UsageError(`config key '${key}' was not set: ${lines[0]}`);
  if (lines.length)
    throw new UsageError(`config key '${key}' was not set: ${lines.length} problems`, lines);
  return value;
}
