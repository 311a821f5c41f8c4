import type { CommandModule } from 'yargs';
import { jsonOption, printResult, type GlobalArgs } from './context.js';

interface Args extends GlobalArgs {
  json: boolean;
  force?: boolean;
}

const init: CommandModule<GlobalArgs, Args> = {
  command: 'init',
  describe: "Make the laptop CA and this laptop's client certificate (keeps an existing CA)",
  builder: (y) =>
    y.options({
      ...jsonOption,
      force: {
        type: 'boolean',
        default: false,
        describe: 'Replace an existing CA (cards seeded with it stop trusting this laptop)',
      },
    }),
  handler: async (argv) => {
    const { caInit, formatCa } = await import('../commands/ca.js');
    const report = await caInit({ force: argv.force });
    printResult(argv, report, () => formatCa(report));
  },
};

const show: CommandModule<GlobalArgs, Args> = {
  command: 'show',
  describe: 'Show the CA and client certificate: subject, fingerprints, validity, paths',
  builder: (y) => y.options(jsonOption),
  handler: async (argv) => {
    const { caShow, formatCa } = await import('../commands/ca.js');
    const report = await caShow();
    printResult(argv, report, () => formatCa(report));
  },
};

const path: CommandModule<GlobalArgs, Args> = {
  command: 'path',
  describe: "Print the CA's directory",
  builder: (y) => y.options(jsonOption),
  handler: async (argv) => {
    const { caPath } = await import('../commands/ca.js');
    const paths = await caPath();
    printResult(argv, paths, () => paths.caDir);
  },
};

export const caCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'ca <command>',
  describe: "The laptop CA that signs each card's Docker TLS certificate",
  builder: (y) =>
    y
      .command(init)
      .command(show)
      .command(path)
      .demandCommand(1, 'Name a ca command: init, show or path'),
  handler: () => undefined,
};
