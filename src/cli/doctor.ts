import type { CommandModule } from 'yargs';
import { jsonOption, printResult, type GlobalArgs } from './context.js';

interface Args extends GlobalArgs {
  json: boolean;
}

export const doctorCommand: CommandModule<GlobalArgs, Args> = {
  command: 'doctor',
  describe: 'Check the host tools armada uses: found or missing, version, how to install',
  builder: (y) =>
    y
      .options(jsonOption)
      .example('$0 doctor', 'Which tools are there; the apt command for what is missing'),
  handler: async (argv) => {
    const { runDoctor, doctorFailure, formatDoctor } = await import('../commands/doctor.js');
    const report = await runDoctor();
    const failure = doctorFailure(report);
    printResult(argv, report, () => formatDoctor(report), failure && { error: failure });
    if (failure) process.exitCode = failure.exitCode;
  },
};
