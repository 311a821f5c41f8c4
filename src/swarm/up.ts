/**
 * `armada swarm up` and `armada swarm join`: read every host's swarm state, plan (plan.ts), then
 * init on one host and join the others through their TLS APIs. The join tokens go from the
 * manager's API to each joining node's API inside this process: they are never written anywhere
 * and never printed unless asked for (showTokens).
 */
import { UsageError } from '../errors.js';
import { log } from '../log.js';
import { openHost, type SwarmHost } from './client.js';
import {
  hostLabel,
  hostStateFromInfo,
  managerAddrs,
  nodeRow,
  nodeSpecOf,
  nodeSummaries,
  sortRows,
  type NodeRow,
} from './nodes.js';
import {
  chooseAdvertiseAddr,
  parseAdvertiseAddrs,
  planJoin,
  planUp,
  type HostState,
  type Role,
  type UpPlan,
} from './plan.js';

export interface UpOptions {
  hosts: readonly string[];
  /** How many managers the swarm should have (default: 3 from three nodes on, else 1). */
  managers?: number;
  /** `ADDR` or `HOST=ADDR` (IP or interface name of the Pi). */
  advertiseAddr?: readonly string[];
  /** Put the join tokens in the result (they are secrets: anyone with one can join a node). */
  showTokens?: boolean;
}

export interface JoinOptions extends Omit<UpOptions, 'managers'> {
  /** A manager of the swarm to join. */
  manager: string;
  role?: Role;
}

export interface UpResult {
  manager: string;
  clusterId: string;
  /** The host that initialised the swarm in this run. */
  initialised?: string;
  joined: { host: string; role: Role; nodeId: string; advertiseAddr?: string }[];
  unchanged: { host: string; role: Role }[];
  managersWanted: number;
  nodes: NodeRow[];
  tokens?: { worker: string; manager: string };
  warnings: string[];
}

const swarmListen = '0.0.0.0:2377';

async function readStates(hosts: readonly SwarmHost[]): Promise<HostState[]> {
  return Promise.all(
    hosts.map(async (h) =>
      hostStateFromInfo(h.name, await h.call('reading its swarm state', (d) => d.info())),
    ),
  );
}

export async function openHosts(names: readonly string[]): Promise<SwarmHost[]> {
  const unique = [...new Set(names)];
  if (unique.length !== names.length)
    throw new UsageError(
      `${names.find((n, i) => names.indexOf(n) !== i)} is named twice; name each host once`,
    );
  return Promise.all(unique.map((n) => openHost(n)));
}

export async function swarmUp(opts: UpOptions): Promise<UpResult> {
  if (!opts.hosts.length) throw new UsageError('name at least one host (e.g. pi-1.local)');
  const advertise = parseAdvertiseAddrs(opts.advertiseAddr ?? [], opts.hosts);
  const hosts = await openHosts(opts.hosts);
  const states = await readStates(hosts);
  const managerState = states.find((s) => s.state === 'active' && s.isManager);
  const nodes = managerState
    ? await byName(hosts, managerState.host).call('listing the swarm’s nodes', (d) => d.listNodes())
    : undefined;
  const plan = planUp({
    states,
    ...(nodes ? { nodes: nodeSummaries(nodes) } : {}),
    ...(opts.managers !== undefined ? { managers: opts.managers } : {}),
  });
  return applyPlan(plan, hosts, advertise, Boolean(opts.showTokens));
}

export async function swarmJoin(opts: JoinOptions): Promise<UpResult> {
  if (!opts.hosts.length) throw new UsageError('name at least one host to join');
  const advertise = parseAdvertiseAddrs(opts.advertiseAddr ?? [], opts.hosts);
  const hosts = await openHosts([opts.manager, ...opts.hosts.filter((h) => h !== opts.manager)]);
  const [managerState, ...states] = await readStates(hosts);
  const nodes =
    managerState.state === 'active' && managerState.isManager
      ? await hosts[0].call('listing the swarm’s nodes', (d) => d.listNodes())
      : [];
  const plan = planJoin(managerState, nodeSummaries(nodes), states, opts.role ?? 'worker');
  return applyPlan(plan, hosts, advertise, Boolean(opts.showTokens));
}

function byName(hosts: readonly SwarmHost[], name: string): SwarmHost {
  const h = hosts.find((x) => x.name === name);
  if (!h) throw new UsageError(`internal: no host ${name}`);
  return h;
}

function advertiseFor(
  h: SwarmHost,
  advertise: ReturnType<typeof parseAdvertiseAddrs>,
): string | undefined {
  return advertise.byHost.get(h.name) ?? advertise.all ?? chooseAdvertiseAddr(h.addresses);
}

async function applyPlan(
  plan: UpPlan,
  hosts: readonly SwarmHost[],
  advertise: ReturnType<typeof parseAdvertiseAddrs>,
  showTokens: boolean,
): Promise<UpResult> {
  for (const w of plan.warnings) log.warn(w);
  const manager = byName(hosts, plan.manager);
  if (plan.init) {
    const addr = advertiseFor(manager, advertise);
    await manager.call('initialising the swarm', (d) =>
      d.swarmInit({ ListenAddr: swarmListen, ...(addr ? { AdvertiseAddr: addr } : {}) }),
    );
    log.info(`${manager.name}: swarm initialised${addr ? ` (advertising ${addr})` : ''}`);
    await labelNode(manager, await nodeIdOf(manager), manager.name);
  }
  const joined: UpResult['joined'] = [];
  if (plan.joins.length) {
    const remoteAddrs = managerAddrs(
      await manager.call('reading the manager addresses', (d) => d.info()),
    );
    const tokens: unknown = await manager.call('reading the join tokens', (d) => d.swarmInspect());
    for (const step of plan.joins) {
      const node = byName(hosts, step.host);
      const addr = advertiseFor(node, advertise);
      const token = tokenFor(tokens, step.role);
      await node.call(`joining the swarm as a ${step.role}`, (d) =>
        d.swarmJoin({
          ListenAddr: swarmListen,
          ...(addr ? { AdvertiseAddr: addr } : {}),
          RemoteAddrs: remoteAddrs,
          JoinToken: token,
        }),
      );
      const nodeId = await nodeIdOf(node);
      await labelNode(manager, nodeId, node.name);
      log.info(`${node.name}: joined as a ${step.role}${addr ? ` (advertising ${addr})` : ''}`);
      joined.push({
        host: node.name,
        role: step.role,
        nodeId,
        ...(addr ? { advertiseAddr: addr } : {}),
      });
    }
  }
  const inspect = (await manager.call('reading the swarm', (d) => d.swarmInspect())) as {
    ID?: string;
  };
  const nodes = await manager.call('listing the swarm’s nodes', (d) => d.listNodes());
  let tokens: UpResult['tokens'];
  if (showTokens) {
    const t: unknown = await manager.call('reading the join tokens', (d) => d.swarmInspect());
    tokens = { worker: tokenFor(t, 'worker'), manager: tokenFor(t, 'manager') };
  }
  return {
    manager: manager.name,
    clusterId: inspect.ID ?? '',
    ...(plan.init ? { initialised: plan.init } : {}),
    joined,
    unchanged: plan.unchanged,
    managersWanted: plan.managersWanted,
    nodes: sortRows(nodes.map(nodeRow)),
    ...(tokens ? { tokens } : {}),
    warnings: plan.warnings,
  };
}

function tokenFor(inspect: unknown, role: Role): string {
  const t = (inspect as { JoinTokens?: { Worker?: string; Manager?: string } }).JoinTokens;
  const token = role === 'manager' ? t?.Manager : t?.Worker;
  if (!token) throw new UsageError(`the manager did not hand out a ${role} join token`);
  return token;
}

async function nodeIdOf(h: SwarmHost): Promise<string> {
  const s = hostStateFromInfo(h.name, await h.call('reading its node ID', (d) => d.info()));
  return s.nodeId;
}

/**
 * `armada.host=<name>` on the node, so `swarm ls` says which armada host each node is. The
 * manager may not list a node that joined a moment ago, and a concurrent update bumps the
 * version: a few bounded retries.
 */
async function labelNode(manager: SwarmHost, nodeId: string, name: string): Promise<void> {
  let last: unknown;
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      const node = manager.api.getNode(nodeId);
      const { version, spec } = nodeSpecOf(await node.inspect());
      const labels = { ...((spec.Labels as Record<string, string> | undefined) ?? {}) };
      if (labels[hostLabel] === name) return;
      await node.update({
        _query: { version },
        _body: { ...spec, Labels: { ...labels, [hostLabel]: name } },
      });
      return;
    } catch (error) {
      last = error;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  log.warn(
    `${name}: could not label its node ${nodeId} (${last instanceof Error ? last.message : String(last)}); 'armada swarm ls' shows it by hostname only`,
  );
}
