import type { CommandModule } from 'yargs';
import { jsonOption, printResult, type GlobalArgs } from './context.js';

/** Seconds `--wait` alone waits: first boot takes 1–4 minutes. */
const defaultWaitSeconds = 300;

/**
 * `--wait` alone is true, `--wait=60` a number, `--no-wait` false. Anything else is NaN, which
 * connect refuses as a usage error (an error thrown here would reach the user as yargs' own).
 */
export function waitSeconds(value: unknown): number {
  if (value === true || value === '') return defaultWaitSeconds;
  if (value === false || value === undefined) return 0;
  if (typeof value === 'number') return value;
  return typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
}

interface Args extends GlobalArgs {
  host: string;
  port?: number;
  name?: string;
  fromCard?: string;
  ssh?: string;
  force: boolean;
  timeout: number;
  wait?: number;
  json: boolean;
}

export const connectCommand: CommandModule<GlobalArgs, Args> = {
  command: 'connect <host>',
  describe: 'Make a docker context for a device and check its TLS endpoint answers',
  builder: (y) =>
    y
      .positional('host', {
        type: 'string',
        demandOption: true,
        describe:
          'Device name or address, optionally with :port (pi-1.local, pi-1, 192.168.1.20:2376, [fe80::1]:2376)',
      })
      .options({
        port: { type: 'number', describe: "Docker's TLS port (default 2376; or give host:port)" },
        name: {
          type: 'string',
          describe: 'docker context name (default: the host without .local)',
        },
        'from-card': {
          type: 'string',
          describe:
            'Device-CA card or image: pair the certificate first boot left in armada/client/ with this laptop’s key',
        },
        ssh: {
          type: 'string',
          describe:
            'Device-CA host: have it sign this laptop’s certificate request over SSH (user@host, needs sudo)',
        },
        force: {
          type: 'boolean',
          default: false,
          describe: 'Replace a docker context of that name that armada did not make',
        },
        timeout: { type: 'number', default: 5, describe: 'Seconds one /_ping may take' },
        wait: {
          describe: `Keep trying while the device does not resolve or answer yet (first boot): --wait waits up to ${defaultWaitSeconds} s, --wait=SECONDS that long`,
          coerce: waitSeconds,
        },
        ...jsonOption,
      })
      .example(
        '$0 connect pi-1.local',
        'Laptop-CA card: make docker context pi-1 and check it answers',
      )
      .example(
        '$0 connect pi-1.local --ssh armada@pi-1.local',
        'Device-CA card: fetch its client certificate over SSH first',
      )
      .example('$0 connect pi-1.local --wait', 'A card just put in a Pi: wait for its first boot')
      .example(
        '$0 connect 192.168.1.20:2376 --name lab',
        'By address and port, with a context name',
      ),
  handler: async (argv) => {
    const { connect, connectFailure, formatConnect } = await import('../commands/connect.js');
    const result = await connect({
      host: argv.host,
      ...(argv.port !== undefined ? { port: argv.port } : {}),
      force: argv.force,
      ...(argv.name ? { name: argv.name } : {}),
      ...(argv.fromCard ? { fromCard: argv.fromCard } : {}),
      ...(argv.ssh ? { ssh: argv.ssh } : {}),
      timeoutMs: argv.timeout * 1000,
      ...(argv.wait !== undefined ? { waitMs: argv.wait * 1000 } : {}),
    });
    // Not answering yet is a failed check (exit 3): scripts can retry. Humans read why on stderr.
    const failure = connectFailure(result);
    printResult(
      argv,
      result,
      () => formatConnect(result),
      failure && { error: failure, stream: 'stderr' },
    );
    if (failure) process.exitCode = failure.exitCode;
  },
};
