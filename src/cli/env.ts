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
        describe: 'Device name or address, e.g. pi-1.local',
      })
      .options({
        port: { type: 'number', describe: "Docker's TLS port (default 2376; or give host:port)" },
        shell: {
          choices: ['sh', 'fish', 'powershell'] as const,
          default: 'sh' as const,
          describe: 'Syntax of the output',
        },
        ...jsonOption,
      }),
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
