/**
 * Pure: what `armada swarm up` / `join` must do, decided from what each host's TLS API said about
 * itself (`GET /info`) and, when a swarm exists, the manager's node list. Nothing here talks to a
 * host, so every rule (who initialises, who becomes a manager, what a re-run adds) is a table test.
 */
import { isIP } from 'node:net';
import { UsageError, UserError } from '../errors.js';

export type LocalNodeState = 'inactive' | 'pending' | 'active' | 'error' | 'locked';
export type Role = 'manager' | 'worker';

/** One host as its own API describes it (`info.Swarm`). */
export interface HostState {
  /** The host as the user named it (`pi-1.local`, `127.0.0.1:40123`). */
  host: string;
  state: LocalNodeState;
  /** '' when the host is in no swarm. */
  nodeId: string;
  /** `ControlAvailable`: this host is a manager. */
  isManager: boolean;
  /** Only managers know it. */
  clusterId?: string;
  /** `Swarm.Error`, when state is error. */
  error?: string;
  /** `LiveRestoreEnabled`: the engine refuses to init or join a swarm while it is on. */
  liveRestore?: boolean;
}

/** A node in the manager's list (`GET /nodes`). */
export interface NodeSummary {
  id: string;
  role: Role;
}

export interface JoinStep {
  host: string;
  role: Role;
}

export interface UpPlan {
  /** The host that runs `swarm init`, when no host is in a swarm yet. */
  init?: string;
  /** The host whose API hands out the join tokens (the one that inits, or an existing manager). */
  manager: string;
  joins: JoinStep[];
  /** Hosts already in this swarm: left as they are. */
  unchanged: JoinStep[];
  managersWanted: number;
  warnings: string[];
}

const leaveFix = (host: string) => `run 'armada swarm leave ${host}' first`;

/** A host whose swarm state armada will not touch: one line with the fix. */
function stateProblem(h: HostState): string | undefined {
  switch (h.state) {
    case 'pending':
      return `${h.host} is still joining a swarm; wait a minute and run the command again (or ${leaveFix(h.host)})`;
    case 'locked':
      return `${h.host} is in a locked swarm (autolock): unlock it with 'docker swarm unlock' on that host, then run the command again`;
    case 'error':
      return `${h.host} is in a swarm that failed${h.error ? ` (${h.error})` : ''}; ${leaveFix(h.host)} with --force`;
    case 'inactive':
      // armada's images turn live-restore on (containers outlive a Docker upgrade).
      return h.liveRestore
        ? `${h.host} keeps containers running across Docker restarts (live-restore), which the engine refuses in a swarm; re-seed its card with 'armada configure <card> --no-live-restore' and boot it (or on the device: set "live-restore": false in /etc/docker/daemon.json, then 'systemctl reload docker'), and run the command again`
        : undefined;
    default:
      return undefined;
  }
}

/** The manager that answers for the swarm: the first manager named, in the order given. */
function pickManager(states: readonly HostState[]): HostState | undefined {
  return states.find((s) => s.state === 'active' && s.isManager);
}

/** Three managers from three nodes on (Raft keeps a majority with one down), else one. */
export function defaultManagers(nodeCount: number): number {
  return nodeCount >= 3 ? 3 : 1;
}

export interface UpInput {
  states: readonly HostState[];
  /** The chosen manager's node list; absent when no host is in a swarm yet. */
  nodes?: readonly NodeSummary[];
  /** --managers; default: defaultManagers(number of nodes once every host is in). */
  managers?: number;
}

/**
 * The plan for `swarm up`. Idempotent by construction: a host already in the swarm is left alone
 * (its role too), so a re-run adds only the new hosts. New hosts join as managers while the swarm
 * has fewer managers than wanted, in the order named.
 */
export function planUp(input: UpInput): UpPlan {
  const { states } = input;
  if (!states.length) throw new UsageError('name at least one host (e.g. pi-1.local pi-2.local)');
  const dup = states.find((s, i) => states.findIndex((o) => o.host === s.host) !== i);
  if (dup) throw new UsageError(`${dup.host} is named twice; name each host once`);
  const problems = states.flatMap((s) => stateProblem(s) ?? []);
  if (problems.length) throw new UserError(problems[0], problems.slice(1));

  const manager = pickManager(states);
  const active = states.filter((s) => s.state === 'active');
  if (!manager && active.length)
    throw new UserError(
      `${active.map((s) => s.host).join(', ')} ${active.length > 1 ? 'are workers' : 'is a worker'} of a swarm, and no host named is one of its managers; ` +
        `name a manager too (armada swarm ls <manager> lists the nodes), or ${leaveFix(active[0].host)}`,
    );
  if (manager && !input.nodes)
    throw new UsageError('planUp: the manager’s node list is needed once a swarm exists');
  const members = new Set((input.nodes ?? []).map((n) => n.id));
  const foreign = active.filter(
    (s) =>
      !members.has(s.nodeId) ||
      (s.clusterId && manager?.clusterId && s.clusterId !== manager.clusterId),
  );
  if (foreign.length)
    throw new UserError(
      `${foreign[0].host} is in another swarm than ${manager!.host}; ${leaveFix(foreign[0].host)}, or leave it out`,
      foreign.slice(1).map((f) => `${f.host} is in another swarm too`),
    );

  const fresh = states.filter((s) => s.state === 'inactive');
  const nodeCount = members.size + fresh.length;
  const managersWanted = input.managers ?? defaultManagers(nodeCount);
  if (!(Number.isInteger(managersWanted) && managersWanted >= 1))
    throw new UsageError(`--managers ${managersWanted} is not a count; give 1, 3 or 5`);
  if (managersWanted > nodeCount)
    throw new UsageError(
      `--managers ${managersWanted} but the swarm would have ${nodeCount} node${nodeCount === 1 ? '' : 's'}; name more hosts or ask for fewer managers`,
    );
  const warnings: string[] = [];
  if (managersWanted % 2 === 0)
    warnings.push(
      `${managersWanted} managers tolerate no more failures than ${managersWanted - 1}; an odd number (1, 3, 5) is what Raft wants`,
    );

  const init = manager ? undefined : fresh[0];
  let managers = init ? 1 : (input.nodes ?? []).filter((n) => n.role === 'manager').length;
  const joins: JoinStep[] = [];
  for (const s of fresh) {
    if (s === init) continue;
    const role: Role = managers < managersWanted ? 'manager' : 'worker';
    if (role === 'manager') managers++;
    joins.push({ host: s.host, role });
  }
  const unchanged = active.map((s): JoinStep => ({
    host: s.host,
    role: s.isManager ? 'manager' : 'worker',
  }));
  return {
    ...(init ? { init: init.host } : {}),
    manager: (manager ?? init!).host,
    joins,
    unchanged,
    managersWanted,
    warnings,
  };
}

/**
 * The plan for `swarm join <host…> --manager M --role R`: the named hosts join M's swarm with one
 * role; hosts already in it are left alone.
 */
export function planJoin(
  manager: HostState,
  nodes: readonly NodeSummary[],
  states: readonly HostState[],
  role: Role,
): UpPlan {
  if (!(manager.state === 'active' && manager.isManager))
    throw new UserError(
      `${manager.host} is not a swarm manager; give a manager with --manager, or form a swarm with 'armada swarm up ${manager.host} …'`,
    );
  const plan = planUp({
    states: [manager, ...states.filter((s) => s.host !== manager.host)],
    nodes,
    managers: Math.max(1, nodes.filter((n) => n.role === 'manager').length),
  });
  return {
    ...plan,
    joins: plan.joins.map((j) => ({ ...j, role })),
    unchanged: plan.unchanged.filter((u) => u.host !== manager.host),
    warnings: [],
  };
}

/**
 * `--advertise-addr` values: `ADDR` (every host) or `HOST=ADDR` (one host), where ADDR is an IP
 * address or an interface name of the Pi (`eth0`), optionally with `:port`. Returns the value for
 * each host named in a `HOST=` entry, and the default for the rest.
 */
export function parseAdvertiseAddrs(
  values: readonly string[],
  hosts: readonly string[],
): { byHost: Map<string, string>; all?: string } {
  const byHost = new Map<string, string>();
  let all: string | undefined;
  for (const v of values) {
    const eq = v.lastIndexOf('=');
    const [host, addr] = eq > 0 ? [v.slice(0, eq), v.slice(eq + 1)] : [undefined, v];
    if (!isAdvertiseValue(addr))
      throw new UsageError(
        `--advertise-addr '${v}': give an address or interface of the Pi (192.168.1.21, eth0), or HOST=ADDR for one host`,
      );
    if (host === undefined) {
      if (all !== undefined)
        throw new UsageError(
          `--advertise-addr is given twice without a host; use HOST=ADDR for per-host values`,
        );
      all = addr;
    } else if (!hosts.includes(host)) {
      throw new UsageError(
        `--advertise-addr '${v}': ${host} is not one of the hosts named (${hosts.join(', ')})`,
      );
    } else byHost.set(host, addr);
  }
  return { byHost, ...(all !== undefined ? { all } : {}) };
}

function isAdvertiseValue(v: string): boolean {
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::\d{1,5})?$/.exec(v);
  if (bracketed) return isIP(bracketed[1]) === 6;
  if (isIP(v)) return true;
  const [base, port] = v.split(':');
  if (v.split(':').length > 2) return false;
  if (port !== undefined && !/^\d{1,5}$/.test(port)) return false;
  return isIP(base) === 4 || /^[A-Za-z][A-Za-z0-9._-]{0,14}$/.test(base);
}

function isLoopback(a: string): boolean {
  return a.startsWith('127.') || a === '::1' || a.startsWith('::ffff:127.');
}

function isLinkLocal(a: string): boolean {
  return a.startsWith('169.254.') || /^fe[89ab]/i.test(a);
}

/**
 * The address a Pi advertises to the rest of the swarm when none is given: the address its name
 * resolves to from here (its mDNS record on the LAN, the name its certificate carries), IPv4
 * before IPv6. Loopback (a tunnel or port forward) and link-local addresses say nothing about the
 * Pi's LAN; undefined then, and the Pi's engine picks (it refuses when it has several networks,
 * and the error names --advertise-addr).
 */
export function chooseAdvertiseAddr(resolved: readonly string[]): string | undefined {
  const usable = resolved.filter((a) => isIP(a) && !isLoopback(a) && !isLinkLocal(a));
  return usable.find((a) => isIP(a) === 4) ?? usable[0];
}
