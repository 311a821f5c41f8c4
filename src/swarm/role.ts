/**
 * A host's swarm role from its TLS API, for `armada discover`: the truth behind the mDNS hint.
 * Bounded and quiet: a host that does not answer in time has no verified role.
 */
import { openHost } from './client.js';
import { hostStateFromInfo } from './nodes.js';

export type SwarmRole = 'manager' | 'worker' | 'none';

export async function swarmRoleOf(
  name: string,
  address: string | undefined,
  timeoutMs: number,
): Promise<SwarmRole | undefined> {
  try {
    const h = await openHost(name, { ...(address ? { address } : {}), timeoutMs });
    const s = hostStateFromInfo(name, await h.call('reading its swarm state', (d) => d.info()));
    if (s.state !== 'active') return 'none';
    return s.isManager ? 'manager' : 'worker';
  } catch {
    return undefined;
  }
}
