/**
 * `armada config`: the defaults for seed flags (config.json in the config dir, and ARMADA_*
 * environment variables), shown with where each comes from; `set`/`unset` edit the file.
 */
import { UsageError } from '../errors.js';
import { configDir } from '../config-dir.js';
import {
  defaultKeys,
  defaultsPath,
  effectiveDefaults,
  isDefaultKey,
  readDefaults,
  type DefaultValue,
  type Defaults,
} from '../config/defaults.js';
import { settingValue } from '../config/check.js';
import { writeFileAtomic } from '../tls/config-files.js';

export interface ConfigReport {
  path: string;
  values: DefaultValue[];
}

export async function showConfig(): Promise<ConfigReport> {
  const dir = await configDir();
  return {
    path: defaultsPath(dir),
    values: effectiveDefaults(await readDefaults(dir), process.env),
  };
}

export async function setConfig(key: string, value: string | undefined): Promise<ConfigReport> {
  if (!isDefaultKey(key))
    throw new UsageError(
      `'${key}' is not a setting; use one of ${Object.keys(defaultKeys).join(', ')}`,
    );
  // Checked by its flag's rules before anything is written: a bad default would fail every run.
  const checked = value === undefined ? undefined : await settingValue(key, value);
  const dir = await configDir();
  const file: Defaults = { ...(await readDefaults(dir)) };
  if (checked === undefined) delete file[key];
  else file[key] = checked;
  await writeFileAtomic(defaultsPath(dir), JSON.stringify(file, null, 2) + '\n', 0o600);
  return showConfig();
}

export function formatConfig(r: ConfigReport): string {
  const lines = [`defaults for flash and configure (flags win over these): ${r.path}`];
  if (!r.values.length) lines.push("  none set; e.g. 'armada config set wifiCountry DE'");
  for (const v of r.values)
    lines.push(
      `  ${v.key.padEnd(12)} ${Array.isArray(v.value) ? v.value.join(', ') : v.value}   (${v.source === 'env' ? defaultKeys[v.key].env : 'file'}; flag ${defaultKeys[v.key].flag})`,
    );
  return lines.join('\n');
}
