/**
 * Seed flags shared by `armada flash` and `armada configure`: the yargs options and the mapping
 * from argv to SeedFlags. Values are validated later, all at once, by prepareSeeds.
 */
import type { Options } from 'yargs';
import type { SeedFlags } from '../seed/types.js';
import type { SeedOptionName } from '../option-names.js';
import { log } from '../log.js';
import { configDir } from '../config-dir.js';
import { sudoModes, tlsModes } from '../seed/validate.js';
import { defaultSecretIo, resolveSeedSecrets, type SecretIo } from './secrets.js';

const group = 'Seed (first-boot settings):';

export const seedOptions = {
  hostname: {
    type: 'string',
    group,
    describe: 'Host name; {n} numbers the cards of one run (pi-{n})',
  },
  user: { type: 'string', group, describe: 'Login user name (default: armada)' },
  'ssh-key': {
    type: 'string',
    array: true,
    group,
    describe:
      'Public key file for SSH login (repeatable; default: your ~/.ssh/*.pub when no other login is given)',
  },
  password: {
    type: 'string',
    group,
    describe:
      'Login password; alone, asks without echo (stored only as a SHA-512 crypt hash). Also ARMADA_PASSWORD',
  },
  'password-file': {
    type: 'string',
    group,
    describe: 'Read the login password from the first line of a file (- for stdin)',
  },
  'wifi-ssid': { type: 'string', group, describe: 'Wi-Fi network name' },
  'wifi-password': {
    type: 'string',
    group,
    describe:
      'Wi-Fi passphrase (8–63 characters; only the derived PSK is stored); alone, asks without echo. Also ARMADA_WIFI_PASSWORD',
  },
  'wifi-password-file': {
    type: 'string',
    group,
    describe: 'Read the Wi-Fi passphrase from the first line of a file (- for stdin)',
  },
  'wifi-open': {
    type: 'boolean',
    group,
    describe: 'The Wi-Fi network has no passphrase (hidden networks need nothing extra)',
  },
  'wifi-country': {
    type: 'string',
    group,
    describe: 'Wi-Fi country, ISO 3166 alpha-2 (DE, GB, US, …)',
  },
  timezone: { type: 'string', group, describe: 'Time zone, e.g. Europe/Berlin' },
  locale: { type: 'string', group, describe: 'Locale, e.g. en_GB.UTF-8' },
  keymap: { type: 'string', group, describe: 'Console keyboard layout, e.g. de' },
  'user-data': {
    type: 'string',
    group,
    describe:
      'cloud-init #cloud-config file (HypriotOS / Raspberry Pi Imager style); flags override it',
  },
  tls: {
    choices: tlsModes,
    group,
    describe:
      "Who makes the TLS certificates: this laptop's CA (default), or the device at first boot",
  },
  san: {
    type: 'string',
    array: true,
    group,
    describe: "Extra name or IP in each card's server certificate (repeatable)",
  },
  'config-txt': {
    type: 'string',
    array: true,
    group,
    describe:
      "A config.txt line for the card's first boot, e.g. 'dtoverlay=vc4-kms-v3d' or 'gpu_mem=128' (repeatable; kept in an armada block a re-seed replaces)",
  },
  'config-txt-file': {
    type: 'string',
    group,
    describe: 'config.txt lines from a file (an empty file removes the armada block)',
  },
  'insecure-tcp': {
    type: 'boolean',
    default: false,
    group,
    describe: 'ALSO open Docker on port 2375 without TLS (isolated networks only)',
  },
  'rotate-ca': {
    type: 'boolean',
    group,
    describe:
      'Device-CA cards (--tls device): first boot makes a new device CA, so every client certificate signed before is refused',
  },
  'security-updates': {
    type: 'boolean',
    group,
    describe:
      'Install Debian security updates by themselves (unattended-upgrades, security suite only, no reboots); on unless --no-security-updates',
  },
  'live-restore': {
    type: 'boolean',
    group,
    describe:
      "Containers keep running while Docker restarts (an upgrade); on unless --no-live-restore, which 'armada swarm up' needs",
  },
  // No default: without --start a fleet's numbering goes on where the last flash or configure
  // with the same template stopped (src/flash/fleet-counter.ts).
  start: {
    type: 'number',
    group,
    describe:
      'First value of {n} in --hostname (default: after the last card flashed or configured with the same template, else 1)',
  },
  sudo: {
    choices: sudoModes,
    group,
    describe: "The login user's sudo: without a password (default), asking for it, or none",
  },
} as const satisfies Record<string, Options>;

/** yargs' camel-case twin of a dashed flag. */
type Camel<S extends string> = S extends `${infer H}-${infer T}`
  ? `${H}${Capitalize<Camel<T>>}`
  : S;

/** Flags that only say where a secret comes from; they are not seed settings. */
const secretSources = ['password-file', 'wifi-password-file'] as const;
type SeedFlagName = Exclude<keyof typeof seedOptions, (typeof secretSources)[number]>;

/**
 * The flags and SeedFlags name the same settings: a flag without a field (or a field without a
 * flag) stops the compile here ("Property 'x' is missing"), so the two cannot drift.
 */
type FieldsWithoutFlag = Exclude<keyof SeedFlags, Camel<SeedFlagName>>;
type FlagsWithoutField = Exclude<Camel<SeedFlagName>, keyof SeedFlags>;
const everyFieldHasAFlag: Record<FieldsWithoutFlag, never> = {};
const everyFlagHasAField: Record<FlagsWithoutField, never> = {};
/** Messages name the same settings (src/option-names.ts), checked the same way. */
const everyFieldHasAName: Record<Exclude<keyof SeedFlags, SeedOptionName>, never> = {};
const everyNameHasAField: Record<Exclude<SeedOptionName, keyof SeedFlags>, never> = {};

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const seedFlagKeys = (Object.keys(seedOptions) as (keyof typeof seedOptions)[])
  .filter((f): f is SeedFlagName => !(secretSources as readonly string[]).includes(f))
  .map((f) => camel(f) as keyof SeedFlags);

/** The seed part of argv: SeedFlags as yargs fills them, plus where the secrets come from. */
export type SeedArgs = SeedFlags & { passwordFile?: string; wifiPasswordFile?: string };

/** argv → SeedFlags; absent flags stay absent so user-data and defaults can fill them. */
export function seedFlagsFrom(argv: SeedArgs): SeedFlags {
  void [everyFieldHasAFlag, everyFlagHasAField, everyFieldHasAName, everyNameHasAField];
  const flags: Record<string, unknown> = {};
  for (const key of seedFlagKeys) {
    const value: unknown = argv[key];
    if (value !== undefined) flags[key] = Array.isArray(value) ? value.map(String) : value;
  }
  return flags;
}

/** seedFlagsFrom, with the passwords taken from the prompt, a file, stdin or the environment. */
export async function seedFlagsWithSecrets(
  argv: SeedArgs,
  io: SecretIo = defaultSecretIo((m) => log.warn(m)),
): Promise<SeedFlags> {
  // Lazily: the checks read key files through the seed module, which loads the TLS code.
  const { withCheckedDefaults } = await import('../config/check.js');
  const flags = await withCheckedDefaults(seedFlagsFrom(argv), await configDir());
  delete flags.password;
  delete flags.wifiPassword;
  const secrets = await resolveSeedSecrets(
    {
      password: {
        flag: '--password',
        label: 'Login password',
        value: argv.password,
        file: argv.passwordFile,
        envVar: 'ARMADA_PASSWORD',
        confirm: true,
      },
      wifiPassword: {
        flag: '--wifi-password',
        label: 'Wi-Fi passphrase',
        value: argv.wifiPassword,
        file: argv.wifiPasswordFile,
        envVar: 'ARMADA_WIFI_PASSWORD',
        confirm: false,
      },
    },
    io,
  );
  return { ...flags, ...secrets };
}
