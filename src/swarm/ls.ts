/**
 * `armada swarm ls <manager>`: the swarm's nodes as one manager sees them, with the armada host
 * each was added as.
 */
import { UsageError, UserError } from '../errors.js';
import { openHost } from './client.js';
import { hostStateFromInfo, managerAddrs, nodeRow, sortRows, type NodeRow } from './nodes.js';

export interface LsResult {
  manager: string;
  clusterId: string;
  nodes: NodeRow[];
}

export async function swarmLs(opts: { host: string }): Promise<LsResult> {
  if (!opts.host) throw new UsageError('name a manager host (e.g. armada swarm ls pi-1.local)');
  const h = await openHost(opts.host);
  const info: unknown = await h.call('reading its swarm state', (d) => d.info());
  const s = hostStateFromInfo(h.name, info);
  if (s.state === 'inactive')
    throw new UserError(`${h.name} is not in a swarm; form one with 'armada swarm up ${h.name} …'`);
  if (!s.isManager) {
    const addrs = managerAddrs(info);
    throw new UserError(
      `${h.name} is a worker; 'armada swarm ls' needs one of its managers${addrs.length ? ` (at ${addrs.join(', ')})` : ''}`,
    );
  }
  const nodes = await h.call('listing the swarm’s nodes', (d) => d.listNodes());
  return { manager: h.name, clusterId: s.clusterId ?? '', nodes: sortRows(nodes.map(nodeRow)) };
}
