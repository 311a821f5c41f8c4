import type { CommandModule } from 'yargs';
import { jsonOption, printResult, type GlobalArgs } from './context.js';

interface Args extends GlobalArgs {
  source: string;
  require: string[];
  json: boolean;
}

export const checkKernelCommand: CommandModule<GlobalArgs, Args> = {
  command: 'check-kernel <source>',
  describe:
    'Check that a kernel can run Docker (and Open vSwitch): a config, config.gz, kernel .deb, configs.ko, kernel image, root filesystem or disk image',
  builder: (y) =>
    y
      .positional('source', {
        type: 'string',
        demandOption: true,
        describe: 'What to check; recognised by content',
      })
      .options({
        require: {
          type: 'string',
          array: true,
          default: [] as string[],
          describe: 'Also require these features (ovs: Open vSwitch)',
        },
        ...jsonOption,
      })
      .example('$0 check-kernel /proc/config.gz', 'The running kernel')
      .example('$0 check-kernel out/armada.img --require ovs', 'A built image, with Open vSwitch'),
  handler: async (argv) => {
    const { checkKernel, checkKernelFailure, formatCheckKernel } =
      await import('../commands/check-kernel.js');
    const report = await checkKernel({
      source: argv.source,
      require: argv.require.flatMap((r) => r.split(',')),
    });
    const failure = report.ok ? undefined : checkKernelFailure(report);
    // The report stays on stdout (scripts read its last line); the verdict goes to stderr too.
    printResult(argv, report, () => formatCheckKernel(report), failure && { error: failure });
    if (failure) throw failure;
  },
};
