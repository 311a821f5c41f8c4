import type { Argv, CommandModule } from 'yargs';
import { jsonOption, printResult, type GlobalArgs } from './context.js';

interface HostsArgs extends GlobalArgs {
  hosts?: string[];
  json: boolean;
  advertiseAddr?: string | string[];
  // Optional: yargs' types do not camel-case kebab-case flags.
  showTokens?: boolean;
}

interface UpArgs extends HostsArgs {
  managers?: number;
}

interface JoinArgs extends HostsArgs {
  manager: string;
  role: 'worker' | 'manager';
}

interface LeaveArgs extends GlobalArgs {
  hosts?: string[];
  json: boolean;
  manager?: string;
  force: boolean;
  drainTimeout?: number;
}

interface LsArgs extends GlobalArgs {
  host?: string;
  json: boolean;
}

const hostDescription = 'armada hosts, as for armada connect (pi-1.local, 192.168.1.21:2376)';

/** A flag given once is a string, twice an array. */
const list = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : [v].flat().map(String);

function joinOptions<T>(y: Argv<T>) {
  return y.options({
    'advertise-addr': {
      type: 'string',
      describe:
        "The address the Pi gives the swarm: an IP or interface of the Pi (eth0), or HOST=ADDR for one host; repeatable. Default: the address the host's name resolves to",
    },
    'show-tokens': {
      type: 'boolean',
      default: false,
      describe: 'Print the join tokens (secrets; never printed otherwise)',
    },
    ...jsonOption,
  });
}

const up: CommandModule<GlobalArgs, UpArgs> = {
  // Optional for yargs, required by the API: yargs' message would name 'armada swarm', not 'up'.
  command: 'up [hosts..]',
  describe:
    'Form a swarm: the first host initialises it, the rest join (3 managers from 3 hosts on); again to add hosts',
  builder: (y) =>
    joinOptions(
      y.positional('hosts', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: hostDescription,
      }),
    )
      .options({
        managers: {
          type: 'number',
          describe: 'How many managers (default: 3 with 3 or more nodes, else 1)',
        },
      })
      .example('$0 swarm up pi-{1..5}.local', 'Five Pis, three of them managers')
      .example('$0 swarm up pi-1.local pi-6.local', 'Add pi-6 to the swarm pi-1 manages')
      .example(
        '$0 swarm up pi-1.local pi-2.local --advertise-addr eth0',
        'Pis with Wi-Fi and Ethernet: the swarm on eth0',
      ),
  handler: async (argv) => {
    const { swarmUp, formatUp } = await import('../commands/swarm.js');
    const result = await swarmUp({
      hosts: argv.hosts ?? [],
      ...(argv.managers !== undefined ? { managers: argv.managers } : {}),
      advertiseAddr: list(argv.advertiseAddr),
      showTokens: Boolean(argv.showTokens),
    });
    printResult(argv, result, () => formatUp(result));
  },
};

const join: CommandModule<GlobalArgs, JoinArgs> = {
  command: 'join [hosts..]',
  describe: "Add hosts to a manager's swarm",
  builder: (y) =>
    joinOptions(
      y.positional('hosts', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: hostDescription,
      }),
    )
      .options({
        manager: {
          type: 'string',
          demandOption: true,
          describe: 'A manager of the swarm to join',
        },
        role: {
          choices: ['worker', 'manager'] as const,
          default: 'worker' as const,
          describe: 'Join as',
        },
      })
      .example('$0 swarm join pi-7.local --manager pi-1.local', 'pi-7 joins as a worker'),
  handler: async (argv) => {
    const { swarmJoin, formatUp } = await import('../commands/swarm.js');
    const result = await swarmJoin({
      hosts: argv.hosts ?? [],
      manager: argv.manager,
      role: argv.role,
      advertiseAddr: list(argv.advertiseAddr),
      showTokens: Boolean(argv.showTokens),
    });
    printResult(argv, result, () => formatUp(result));
  },
};

const leave: CommandModule<GlobalArgs, LeaveArgs> = {
  command: 'leave [hosts..]',
  describe: 'Drain hosts (their tasks move to other nodes), then take them out of the swarm',
  builder: (y) =>
    y
      .positional('hosts', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: hostDescription,
      })
      .options({
        manager: {
          type: 'string',
          describe: 'A manager that stays: drains and removes the nodes (needed for workers)',
        },
        force: {
          type: 'boolean',
          default: false,
          describe: 'Let the last manager leave (the swarm is gone then)',
        },
        'drain-timeout': {
          type: 'number',
          default: 120,
          describe: "Seconds to wait for a drained node's tasks to stop",
        },
        ...jsonOption,
      })
      .example('$0 swarm leave pi-5.local --manager pi-1.local', 'Drain pi-5, then it leaves'),
  handler: async (argv) => {
    const { swarmLeave, formatLeave } = await import('../commands/swarm.js');
    const result = await swarmLeave({
      hosts: argv.hosts ?? [],
      ...(argv.manager ? { manager: argv.manager } : {}),
      force: argv.force,
      drainTimeoutMs: (argv.drainTimeout ?? 120) * 1000,
    });
    printResult(argv, result, () => formatLeave(result));
  },
};

const ls: CommandModule<GlobalArgs, LsArgs> = {
  command: 'ls [host]',
  describe: 'The nodes of the swarm a manager host belongs to',
  builder: (y) =>
    y
      .positional('host', { type: 'string', describe: 'A manager host' })
      .options(jsonOption)
      .example(
        '$0 swarm ls pi-1.local',
        'Role, availability, reachability and engine of each node',
      ),
  handler: async (argv) => {
    const { swarmLs, formatLs } = await import('../commands/swarm.js');
    const result = await swarmLs({ host: argv.host ?? '' });
    printResult(argv, result, () => formatLs(result));
  },
};

export const swarmCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'swarm <command>',
  describe: 'Run several armada hosts as one Docker Swarm (through their TLS APIs)',
  builder: (y) =>
    y
      .command(up)
      .command(ls)
      .command(join)
      .command(leave)
      .demandCommand(1, 'name a swarm command: up, ls, join or leave')
      .example('$0 swarm up pi-1.local pi-2.local pi-3.local', 'Form a swarm of three'),
  handler: () => undefined,
};
