/**
 * How messages name the options a user can change. Domain code says `option('allowVirtual')`
 * and never a flag; the CLI entry installs its flag names (src/cli/flag-names.ts), so the same
 * message reads `--allow-virtual` there, while a library caller sees the API's option names.
 */
import type { SeedFlags } from './seed/types.js';

/** Options that messages outside the CLI point at: the seed settings and flash's choices. */
export type OptionName =
  | keyof SeedFlags
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
