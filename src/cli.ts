/**
 * The command line: yargs adapters only. Each adapter maps flags to an options object and calls
 * one API function in src/commands/; heavy modules are imported lazily by the adapters.
 */
import yargs, { type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode, formatError, exitCodeOf, InterruptedError } from './errors.js';
import { runCleanup, setSignalListener } from './cleanup.js';
import { log, setLogLevel } from './log.js';
import { commands } from './cli/commands.js';
import type { GlobalArgs } from './cli/context.js';

const version = '0.1.0';

let debug = process.argv.includes('--debug');
if (debug) setLogLevel('debug');

let finishing: Promise<never> | undefined;

/** Runs cleanup once; a second Ctrl-C while it runs must not cut it short. */
function finish(code: number, error?: unknown): Promise<never> {
  finishing ??= (async () => {
    const failures = await runCleanup();
    for (const f of failures) log.warn(`cleanup: ${f}`);
    if (error !== undefined) process.stderr.write(formatError(error, debug) + '\n');
    process.exit(code);
  })();
  return finishing;
}

setSignalListener((signal) => {
  void finish(ExitCode.interrupted, new InterruptedError(signal));
});

async function main(): Promise<void> {
  const parser = yargs(hideBin(process.argv))
    .scriptName('armada')
    .usage(
      '$0 <command> [options]\n\nTurn a Raspberry Pi SD card into a ready-to-use, TLS-protected Docker host.',
    )
    .option('debug', { type: 'boolean', default: false, describe: 'Verbose logs and stack traces' })
    .middleware((argv) => {
      debug = Boolean(argv.debug);
      if (debug) setLogLevel('debug');
    })
    .strict()
    .demandCommand(1, 'Name a command; see armada --help')
    .recommendCommands()
    .version(version)
    .help()
    // Unwrapped when piped: yargs' hard wrap splits words mid-way in narrow columns.
    .wrap(process.stdout.isTTY ? Math.min(120, process.stdout.columns) : null)
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`armada: ${msg}\nRun 'armada --help' for usage.\n`);
      process.exit(ExitCode.usage);
    });
  for (const command of commands) parser.command(command as CommandModule<GlobalArgs, GlobalArgs>);
  await parser.parseAsync();
}

main().then(
  async () => finish(typeof process.exitCode === 'number' ? process.exitCode : 0),
  async (error: unknown) => finish(exitCodeOf(error), error),
);
