import type { CommandModule } from 'yargs';
import { jsonOption, printResult, type GlobalArgs } from './context.js';

interface Args extends GlobalArgs {
  json: boolean;
  key?: string;
  value?: string;
}

const show: CommandModule<GlobalArgs, Args> = {
  command: '$0',
  describe: 'Show the defaults and where each comes from',
  builder: (y) => y.options(jsonOption),
  handler: async (argv) => {
    const { showConfig, formatConfig } = await import('../commands/config.js');
    const report = await showConfig();
    printResult(argv, report, () => formatConfig(report));
  },
};

const set: CommandModule<GlobalArgs, Args> = {
  command: 'set <key> <value>',
  describe:
    'Set a default in config.json, checked like its flag (sshKey: paths separated by commas)',
  builder: (y) => y.options(jsonOption),
  handler: async (argv) => {
    const { setConfig, formatConfig } = await import('../commands/config.js');
    const report = await setConfig(argv.key!, argv.value);
    printResult(argv, report, () => formatConfig(report));
  },
};

const unset: CommandModule<GlobalArgs, Args> = {
  command: 'unset <key>',
  describe: 'Remove a default from config.json',
  builder: (y) => y.options(jsonOption),
  handler: async (argv) => {
    const { setConfig, formatConfig } = await import('../commands/config.js');
    const report = await setConfig(argv.key!, undefined);
    printResult(argv, report, () => formatConfig(report));
  },
};

export const configCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'config',
  describe:
    'Defaults for flash and configure: wifiCountry, sshKey, user, tls, timezone, locale, keymap, sudo',
  builder: (y) =>
    y
      .command(show)
      .command(set)
      .command(unset)
      .example('$0 config set wifiCountry DE', 'Every card from now on gets --wifi-country DE')
      .example('ARMADA_TLS=device $0 config', 'The environment overrides the file'),
  handler: () => undefined,
};
