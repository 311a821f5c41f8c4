/**
 * How messages name the options a user can change. Domain code says `option('allowVirtual')`
 * and never a flag; the CLI entry installs its flag names (src/cli/flag-names.ts), so the same
 * message reads `--allow-virtual` there, while a library caller sees the API's option names.
 */

/**
 * The seed settings, named as the fields of SeedFlags (src/seed/types.ts) are: listed here rather
 * than imported so this module stays below seed/; src/cli/seed-options.ts stops the compile when
 * the two differ.
 */
export type SeedOptionName =
  | 'hostname'
  | 'user'
  | 'sshKey'
  | 'password'
  | 'wifiSsid'
  | 'wifiPassword'
  | 'wifiOpen'
  | 'wifiCountry'
  | 'timezone'
  | 'locale'
  | 'keymap'
  | 'userData'
  | 'tls'
  | 'insecureTcp'
  | 'start'
  | 'sudo'
  | 'san';

/** Options that messages outside the CLI point at: the seed settings and flash's choices. */
export type OptionName =
  | SeedOptionName
  | 'passwordFile'
  | 'wifiPasswordFile'
  | 'yes'
  | 'bmap'
  | 'noBmap'
  | 'allowHttp'
  | 'allowVirtual'
  | 'allowLarge'
  | 'allowAnyBus'
  | 'allowForeignImage';

export type OptionNamer = (name: OptionName) => string;

const apiNames: OptionNamer = (name) => name;
let namer: OptionNamer = apiNames;

export function option(name: OptionName): string {
  return namer(name);
}

/** Called once by the CLI entry; undefined restores the API's own names. */
export function nameOptions(next: OptionNamer | undefined): void {
  namer = next ?? apiNames;
}
