/**
 * The command line: yargs adapters only. Each adapter maps flags to an options object and calls
 * one API function in src/commands/; heavy modules are imported lazily by the adapters.
 */
import yargs, { type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode, formatError, exitCodeOf, InterruptedError, UsageError } from './errors.js';
import { interrupt, runCleanup } from './cleanup.js';
import { log, setLogLevel } from './log.js';
import { commands } from './cli/commands.js';
import { currentCommand, resultPrinted, setCommand, type GlobalArgs } from './cli/context.js';
import { commandPathOf, jsonError, subcommandOf, usageMessage } from './cli/usage.js';
import { checkNoSeed } from './cli/no-seed.js';
import { armadaVersion } from './version.js';
import { withOptionNames } from './option-names.js';
import { flagName } from './cli/flag-names.js';

/** yargs reads a lone '-' as a positional: `--password-file -` (stdin) becomes `--password-file=-`. */
function joinStdinValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (/^--[a-z-]+-file$/.test(argv[i]) && argv[i + 1] === '-') out.push(`${argv[i++]}=-`);
    else out.push(argv[i]);
  }
  return out;
}

const args = joinStdinValues(hideBin(process.argv));
let debug = args.includes('--debug');
// Decided from argv, not parsed flags: a run that fails parsing still owes its JSON document.
const wantsJson = args.includes('--json');
if (debug) setLogLevel('debug');

let finishing: Promise<never> | undefined;

/** Runs cleanup once; a second Ctrl-C while it runs must not cut it short. */
function finish(code: number, error?: unknown): Promise<never> {
  finishing ??= (async () => {
    const failures = await runCleanup();
    for (const f of failures) log.warn(`cleanup: ${f}`);
    if (error !== undefined) {
      process.stderr.write(formatError(error, debug) + '\n');
      if (error instanceof UsageError) {
        const sub = subcommandOf(args, commands);
        process.stderr.write(`Run 'armada${sub ? ` ${sub}` : ''} --help' for usage.\n`);
      }
      // A command line yargs refused never reached the middleware: name the command from argv.
      if (wantsJson && !resultPrinted())
        log.result(jsonError(error, currentCommand() ?? commandPathOf(args, commands)));
    }
    process.exit(code);
  })();
  return finishing;
}

// Only the CLI entry owns the process's signals; library code just records the interruption.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (interrupt(signal)) void finish(ExitCode.interrupted, new InterruptedError(signal));
  });
}

async function main(): Promise<void> {
  const parser = yargs(args)
    .scriptName('armada')
    .usage(
      '$0 <command> [options]\n\nTurn a Raspberry Pi SD card into a ready-to-use, TLS-protected Docker host.',
    )
    .option('debug', { type: 'boolean', default: false, describe: 'Verbose logs and stack traces' })
    .middleware((argv) => {
      setCommand(argv._);
      debug = Boolean(argv.debug);
      if (debug) setLogLevel('debug');
      // flash's --no-seed: a seed flag beside it would be ignored silently.
      checkNoSeed(args, argv);
    })
    .strict()
    .demandCommand(1, 'name a command')
    .recommendCommands()
    .version(armadaVersion)
    .help()
    .alias('help', 'h')

    // Unwrapped when piped: yargs' hard wrap splits words mid-way in narrow columns.
    .wrap(process.stdout.isTTY ? Math.min(120, process.stdout.columns) : null)
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(usageMessage(msg, args, commands).message);
    });
  for (const command of commands) parser.command(command as CommandModule<GlobalArgs, GlobalArgs>);
  parser
    .completion(
      'completion',
      'Print a bash/zsh completion script (armada completion >> ~/.bashrc, or ~/.zshrc)',
    )
    .example('sudo $0 flash armada.img.xz /dev/sdb --hostname pi-1', 'Write and seed a card')
    .example('$0 connect pi-1.local', 'After first boot: a docker context over mutual TLS')
    .example('$0 <command> --help', 'Options and examples of one command');
  await parser.parseAsync();
}

// Domain messages name options; on the command line they are flags.
void withOptionNames(flagName, () =>
  main().then(
    async () => finish(typeof process.exitCode === 'number' ? process.exitCode : 0),
    async (error: unknown) => finish(exitCodeOf(error), error),
  ),
);
