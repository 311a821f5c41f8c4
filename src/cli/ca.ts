import type { CommandModule } from 'yargs';
import { jsonOption, printResult, type GlobalArgs } from './context.js';

interface Args extends GlobalArgs {
  json: boolean;
  force?: boolean;
  yes?: boolean;
}

const init: CommandModule<GlobalArgs, Args> = {
  command: 'init',
  describe: "Make the laptop CA and this laptop's client certificate (keeps an existing CA)",
  builder: (y) =>
    y
      .options({
        ...jsonOption,
        force: {
          type: 'boolean',
          default: false,
          describe:
            'Replace an existing CA after confirming (kept as ca.old-<time>; cards seeded with it stop trusting this laptop)',
        },
        yes: { type: 'boolean', default: false, describe: 'Confirm --force without asking' },
      })
      .example('$0 ca init', 'Make the CA (once per laptop; flash and configure do it too)')
      .example('$0 ca init --force', 'Replace it, keeping the old one beside it'),
  handler: async (argv) => {
    const { caInit, formatCa } = await import('../commands/ca.js');
    const { confirmOnTerminal } = await import('./prompt.js');
    const report = await caInit({
      force: argv.force,
      confirm: (q) => (argv.yes ? Promise.resolve(true) : confirmOnTerminal(q)),
    });
    printResult(argv, report, () => formatCa(report));
  },
};

const show: CommandModule<GlobalArgs, Args> = {
  command: 'show',
  describe: 'Show the CA and client certificate: subject, fingerprint, validity, paths',
  builder: (y) =>
    y
      .options(jsonOption)
      .example('$0 ca show', 'Compare the sha256 with what a card or device prints'),
  handler: async (argv) => {
    const { caShow, formatCa } = await import('../commands/ca.js');
    const report = await caShow();
    printResult(argv, report, () => formatCa(report));
  },
};

const path: CommandModule<GlobalArgs, Args> = {
  command: 'path',
  describe: "Print the CA's directory",
  builder: (y) => y.options(jsonOption).example('ls "$($0 ca path)"', 'Back it up'),
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
      .demandCommand(1, 'name a ca command: init, show or path')
      .example('$0 ca init', 'Make the laptop CA'),
  handler: () => undefined,
};
