import type { CommandModule } from 'yargs';
import { jsonOption, printResult, type GlobalArgs } from './context.js';
import { seedFlagsWithSecrets, seedOptions, type SeedArgs } from './seed-options.js';

interface Args extends GlobalArgs, SeedArgs {
  target: string;
  json: boolean;
  allowVirtual?: boolean;
  allowLarge?: boolean;
  dangerouslyAllowAnyBus?: boolean;
  allowForeignImage?: boolean;
}

/** On a card, flash's target rules apply; these flags are flash's own exceptions. */
const targetOptions = {
  'allow-virtual': {
    type: 'boolean',
    default: false,
    describe: 'Allow loop, nbd and disk-image devices as targets (tests)',
  },
  'allow-large': {
    type: 'boolean',
    default: false,
    describe: 'Allow a drive larger than 128 GiB',
  },
  'dangerously-allow-any-bus': {
    type: 'boolean',
    default: false,
    describe: 'Allow a disk on a bus other than usb, mmc or sd (SATA, NVMe…)',
  },
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
      .options({ ...seedOptions, ...targetOptions, ...jsonOption })
      .example(
        '$0 configure pi.img --hostname pi-1 --wifi-ssid Home --wifi-password … --wifi-country DE',
        '',
      )
      .example('sudo $0 configure /dev/sdb --user-data user-data.yaml', ''),
  handler: async (argv) => {
    const { configureTarget } = await import('../commands/configure.js');
    const { formatSeedReport } = await import('../seed/report.js');
    const result = await configureTarget({
      target: argv.target,
      seed: await seedFlagsWithSecrets(argv),
      rules: {
        allowVirtual: argv.allowVirtual ?? false,
        allowLarge: argv.allowLarge ?? false,
        allowAnyBus: argv.dangerouslyAllowAnyBus ?? false,
        allowForeignImage: argv.allowForeignImage ?? false,
      },
    });
    printResult(argv, result, () => formatSeedReport(result.target, result));
  },
};
