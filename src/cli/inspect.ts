import type { CommandModule } from 'yargs';
import { jsonOption, printResult, type GlobalArgs } from './context.js';

interface Args extends GlobalArgs {
  target: string;
  json: boolean;
}

export const inspectCommand: CommandModule<GlobalArgs, Args> = {
  command: 'inspect <target>',
  describe:
    'Show what is on an image file or card: layout, OS, kernel, Docker, the Pi models it boots, its seed and first-boot report',
  builder: (y) =>
    y
      .positional('target', {
        type: 'string',
        demandOption: true,
        describe: 'Image file (.img) or card device (/dev/sdX)',
      })
      .options({ ...jsonOption })
      .example('$0 inspect out/armada-trixie-arm64.img', '')
      .example('sudo $0 inspect /dev/sdb --json', ''),
  handler: async (argv) => {
    const { inspect, formatInspect, reportWarnings } = await import('../commands/inspect.js');
    const report = await inspect({ target: argv.target });
    printResult(argv, report, () => formatInspect(report));
    reportWarnings(report);
  },
};
