import type { CommandModule } from 'yargs';
import { jsonOption, printResult, type GlobalArgs } from './context.js';

interface Args extends GlobalArgs {
  host: string;
  port?: number;
  shell: 'sh' | 'fish' | 'powershell';
  json: boolean;
}

export const envCommand: CommandModule<GlobalArgs, Args> = {
  command: 'env <host>',
  describe:
    'Print DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH for eval (like docker-machine env)',
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
        shell: {
          choices: ['sh', 'fish', 'powershell'] as const,
          default: 'sh' as const,
          describe: 'Syntax of the output',
        },
        ...jsonOption,
      })
      .example('eval "$($0 env pi-1.local)"', "Point this shell's docker at pi-1")
      .example('$0 env pi-1.local --shell fish | source', 'The same in fish'),
  handler: async (argv) => {
    const { dockerEnv, renderEnv } = await import('../commands/env.js');
    const env = await dockerEnv({
      host: argv.host,
      ...(argv.port !== undefined ? { port: argv.port } : {}),
      shell: argv.shell,
    });
    printResult(argv, env, () => renderEnv(env, argv.shell, argv.host));
  },
};
