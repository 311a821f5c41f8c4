/**
 * Pure: the Engine API's answers (`GET /info`, `GET /nodes`, `GET /tasks`) as the few fields the
 * swarm commands use. The API gives loosely typed JSON; each reader tolerates missing fields.
 */
import type { HostState, LocalNodeState, NodeSummary, Role } from './plan.js';

/** The node label `swarm up`/`join` set: which armada host (as the user named it) a node is. */
export const hostLabel = 'armada.host';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

const states: readonly LocalNodeState[] = ['inactive', 'pending', 'active', 'error', 'locked'];

/** `info.Swarm` → HostState. */
export function hostStateFromInfo(host: string, info: unknown): HostState {
  const swarm = obj(obj(info).Swarm);
  const raw = str(swarm.LocalNodeState);
  const state = (states as readonly string[]).includes(raw) ? (raw as LocalNodeState) : 'error';
  const clusterId = str(obj(swarm.Cluster).ID);
  const error = str(swarm.Error);
  return {
    host,
    state,
    nodeId: str(swarm.NodeID),
    isManager: swarm.ControlAvailable === true,
    ...(clusterId ? { clusterId } : {}),
    ...(obj(info).LiveRestoreEnabled === true ? { liveRestore: true } : {}),
    ...(error ? { error } : raw && raw !== state ? { error: `unknown state '${raw}'` } : {}),
  };
}

/** `info.Swarm.RemoteManagers[].Addr`: where a joining node finds the managers (`ip:2377`). */
export function managerAddrs(info: unknown): string[] {
  const list = obj(obj(info).Swarm).RemoteManagers;
  return Array.isArray(list) ? list.map((m) => str(obj(m).Addr)).filter(Boolean) : [];
}

export interface NodeRow {
  id: string;
  hostname: string;
  /** The armada host it was added as (`armada.host` label), when armada added it. */
  armadaHost?: string;
  role: Role;
  leader: boolean;
  /** active | pause | drain */
  availability: string;
  /** ready | down | disconnected | unknown */
  status: string;
  /** Managers only: reachable | unreachable | unknown */
  reachability?: string;
  engineVersion: string;
  address: string;
}

export function nodeRow(node: unknown): NodeRow {
  const n = obj(node);
  const spec = obj(n.Spec);
  const desc = obj(n.Description);
  const status = obj(n.Status);
  const manager = obj(n.ManagerStatus);
  const armadaHost = str(obj(spec.Labels)[hostLabel]);
  const role: Role = str(spec.Role) === 'manager' ? 'manager' : 'worker';
  return {
    id: str(n.ID),
    hostname: str(desc.Hostname),
    ...(armadaHost ? { armadaHost } : {}),
    role,
    leader: manager.Leader === true,
    availability: str(spec.Availability) || 'unknown',
    status: str(status.State) || 'unknown',
    ...(role === 'manager' ? { reachability: str(manager.Reachability) || 'unknown' } : {}),
    engineVersion: str(obj(desc.Engine).EngineVersion),
    // A manager listening on 0.0.0.0 may report that as its node address; its manager address
    // (ip:2377) is the one the others use.
    address:
      str(status.Addr) && str(status.Addr) !== '0.0.0.0'
        ? str(status.Addr)
        : str(manager.Addr).replace(/:\d+$/, ''),
  };
}

export function nodeSummaries(nodes: readonly unknown[]): NodeSummary[] {
  return nodes.map(nodeRow).map((r) => ({ id: r.id, role: r.role }));
}

/** Sorted for people: managers first (the leader first of all), then by hostname. */
export function sortRows(rows: readonly NodeRow[]): NodeRow[] {
  const rank = (r: NodeRow) => (r.leader ? 0 : r.role === 'manager' ? 1 : 2);
  return [...rows].sort((a, b) => rank(a) - rank(b) || a.hostname.localeCompare(b.hostname));
}

/** Tasks on a node that still run or are about to (what a drain waits for). */
export function liveTasks(tasks: readonly unknown[]): number {
  const done = new Set(['complete', 'shutdown', 'failed', 'rejected', 'orphaned', 'remove']);
  return tasks.filter((t) => !done.has(str(obj(obj(t).Status).State))).length;
}

/** The spec and version a node update sends back (`POST /nodes/{id}/update?version=`). */
export function nodeSpecOf(node: unknown): { version: number; spec: Json } {
  const n = obj(node);
  return { version: Number(obj(n.Version).Index ?? 0), spec: { ...obj(n.Spec) } };
}
