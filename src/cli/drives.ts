import type { CommandModule } from 'yargs';
import { jsonOption, printResult, type GlobalArgs } from './context.js';

interface Args extends GlobalArgs {
  all: boolean;
  json: boolean;
}

export const drivesCommand: CommandModule<GlobalArgs, Args> = {
  command: 'drives',
  describe: 'List the drives armada may flash (--all: every drive, and why the others are refused)',
  builder: (y) =>
    y
      .options({
        all: {
          type: 'boolean',
          default: false,
          describe: 'Also list drives armada refuses to write, with the reasons',
        },
        ...jsonOption,
      })
      .example('$0 drives', 'Cards armada may write')
      .example('$0 drives --all', 'Every drive, and why the others are refused'),
  handler: async (argv) => {
    const { listDrivesReport, formatDrives } = await import('../commands/drives.js');
    const report = await listDrivesReport({ all: argv.all });
    printResult(argv, report, () => formatDrives(report));
  },
};
