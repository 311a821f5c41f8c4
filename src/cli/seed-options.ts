/**
 * Seed flags shared by `armada flash` and `armada configure`: the yargs options and the mapping
 * from argv to SeedFlags. Values are validated later, all at once, by prepareSeeds.
 */
import type { Options } from 'yargs';
import type { SeedFlags, SudoMode, TlsMode } from '../seed/types.js';
import { log } from '../log.js';
import { configDir } from '../config-dir.js';
import { effectiveDefaults, readDefaults, withDefaults } from '../config/defaults.js';
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
    choices: ['laptop', 'device'],
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
  'insecure-tcp': {
    type: 'boolean',
    default: false,
    group,
    describe: 'ALSO open Docker on port 2375 without TLS (isolated networks only)',
  },
  start: { type: 'number', default: 1, group, describe: 'First value of {n} in --hostname' },
  sudo: {
    choices: ['nopasswd', 'password', 'none'],
    group,
    describe: "The login user's sudo: without a password (default), asking for it, or none",
  },
} as const satisfies Record<string, Options>;

export interface SeedArgs {
  hostname?: string;
  user?: string;
  sshKey?: string[];
  password?: string;
  passwordFile?: string;
  wifiSsid?: string;
  wifiPassword?: string;
  wifiPasswordFile?: string;
  wifiOpen?: boolean;
  wifiCountry?: string;
  timezone?: string;
  locale?: string;
  keymap?: string;
  userData?: string;
  tls?: string;
  san?: string[];
  insecureTcp?: boolean;
  start?: number;
  sudo?: string;
}

/** argv (yargs camel-cases the flags) → SeedFlags; absent flags stay absent so user-data can fill them. */
export function seedFlagsFrom(argv: SeedArgs): SeedFlags {
  const flags: SeedFlags = {};
  const copy = <K extends keyof SeedFlags>(key: K, value: SeedFlags[K] | undefined) => {
    if (value !== undefined) flags[key] = value;
  };
  copy('hostname', argv.hostname);
  copy('user', argv.user);
  copy('sshKey', argv.sshKey?.map(String));
  copy('password', argv.password);
  copy('wifiSsid', argv.wifiSsid);
  copy('wifiPassword', argv.wifiPassword);
  copy('wifiOpen', argv.wifiOpen);
  copy('wifiCountry', argv.wifiCountry);
  copy('timezone', argv.timezone);
  copy('locale', argv.locale);
  copy('keymap', argv.keymap);
  copy('userData', argv.userData);
  copy('tls', argv.tls as TlsMode | undefined);
  copy('san', argv.san?.map(String));
  copy('insecureTcp', argv.insecureTcp);
  copy('start', argv.start);
  copy('sudo', argv.sudo as SudoMode | undefined);
  return flags;
}

/** seedFlagsFrom, with the passwords taken from the prompt, a file, stdin or the environment. */
export async function seedFlagsWithSecrets(
  argv: SeedArgs,
  io: SecretIo = defaultSecretIo((m) => log.warn(m)),
): Promise<SeedFlags> {
  const defaults = effectiveDefaults(await readDefaults(await configDir()), process.env);
  const flags = withDefaults(seedFlagsFrom(argv), defaults);
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
