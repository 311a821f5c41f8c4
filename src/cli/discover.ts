import type { CommandModule } from 'yargs';
import { jsonOption, printResult, type GlobalArgs } from './context.js';

interface Args extends GlobalArgs {
  timeout: number;
  json: boolean;
}

export const discoverCommand: CommandModule<GlobalArgs, Args> = {
  command: 'discover',
  describe:
    'Find Docker hosts on the local network (mDNS _docker._tcp) and whether this laptop can connect',
  builder: (y) =>
    y
      .options({
        timeout: { type: 'number', default: 3, describe: 'Seconds to listen' },
        ...jsonOption,
      })
      .example('$0 discover', 'Listen 3 s for Docker hosts and say which this laptop trusts')
      .example('$0 discover --timeout 10 --json', 'Longer, as one JSON document'),
  handler: async (argv) => {
    const { discover, formatDiscover } = await import('../commands/discover.js');
    const timeoutMs = argv.timeout * 1000;
    const hosts = await discover({ timeoutMs });
    printResult(argv, { hosts }, () => formatDiscover(hosts, timeoutMs));
  },
};
