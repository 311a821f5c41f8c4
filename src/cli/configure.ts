import type { CommandModule } from 'yargs';
import { jsonOption, printResult, type GlobalArgs } from './context.js';
import { seedFlagsWithSecrets, seedOptions, type SeedArgs } from './seed-options.js';
import { targetOptions, targetRulesFrom, type TargetArgs } from './target-options.js';

interface Args extends GlobalArgs, SeedArgs, TargetArgs {
  target: string;
  json: boolean;
  allowForeignImage?: boolean;
}

const foreignImageOption = {
  'allow-foreign-image': {
    type: 'boolean',
    default: false,
    describe: 'Seed a card whose root partition has no armada first-boot unit',
  },
} as const;

export const configureCommand: CommandModule<GlobalArgs, Args> = {
  command: 'configure <target>',
  describe: 'Write (or replace) the first-boot seed on an image file or a flashed card',
  builder: (y) =>
    y
      .positional('target', {
        type: 'string',
        demandOption: true,
        describe: 'Image file (.img) or card device (/dev/sdX)',
      })
      .options({ ...seedOptions, ...targetOptions, ...foreignImageOption, ...jsonOption })
      .example(
        '$0 configure pi.img --hostname pi-1 --wifi-ssid Home --wifi-password … --wifi-country DE',
        '',
      )
      .example('sudo $0 configure /dev/sdb --user-data user-data.yaml', '')
      .example(
        'sudo $0 configure /dev/sdb --hostname pi-{n}',
        'One card at a time: pi-1, then pi-2, … (the counter flash uses; --start N to choose)',
      ),
  handler: async (argv) => {
    const { configureTarget } = await import('../commands/configure.js');
    const { formatSeedReport } = await import('./seed-report.js');
    const result = await configureTarget({
      target: argv.target,
      seed: await seedFlagsWithSecrets(argv),
      rules: { ...targetRulesFrom(argv), allowForeignImage: argv.allowForeignImage ?? false },
    });
    printResult(argv, result, () => formatSeedReport(result.target, result, result.numbering));
  },
};
