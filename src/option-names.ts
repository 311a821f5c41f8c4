/**
 * How messages name the options a user can change. Domain code says `option('allowVirtual')`
 * (or phrases an OptionError with a label) and never a flag. Whoever calls the domain chooses the
 * names for the calls it makes: the CLI runs each command inside `withOptionNames(flagName, …)`,
 * so its messages read `--allow-virtual`; any other caller reads the API's option names. The
 * choice travels with the call (AsyncLocalStorage), so nothing is installed for the process.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

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
  | 'rotateCa'
  | 'securityUpdates'
  | 'liveRestore'
  | 'start'
  | 'sudo'
  | 'san'
  | 'configTxt'
  | 'configTxtFile';

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

/** Names any option of a domain API (build's options included) the way the caller wants. */
export type OptionLabel = (option: string) => string;

const apiNames: OptionLabel = (name) => name;
const names = new AsyncLocalStorage<OptionLabel>();

export function option(name: OptionName): string {
  return optionLabel()(name);
}

/** The naming chosen for the current call: the API's own names outside withOptionNames. */
export function optionLabel(): OptionLabel {
  return names.getStore() ?? apiNames;
}

/** Runs `fn` (and everything it starts, sync or async) with its messages naming options by `label`. */
export function withOptionNames<T>(label: OptionLabel, fn: () => T): T {
  return names.run(label, fn);
}
