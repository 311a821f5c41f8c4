/**
 * `armada discover`: find Docker hosts on the local network and report whether this laptop can
 * connect to each.
 */
import type { DiscoveredHost } from '../discover/records.js';

export { discover, type DiscoverOptions } from '../discover/discover.js';
export type { DiscoveredHost };

export function formatDiscover(hosts: readonly DiscoveredHost[], timeoutMs: number): string {
  if (!hosts.length)
    return `no _docker._tcp hosts answered within ${timeoutMs / 1000} s (same network? mDNS allowed?)`;
  return hosts
    .map((h) => {
      const kind = h.armadaVersion ? `armada ${h.armadaVersion}` : 'docker';
      const tls = h.tls ? 'tls' : 'NO TLS';
      const trust = h.trust.trusted
        ? `trusted (${h.trust.detail})`
        : `not trusted: ${h.trust.detail}`;
      const swarm = h.swarm
        ? `, swarm: ${h.swarm.role}${h.swarm.checked ? '' : ' (mDNS hint, not checked)'}`
        : '';
      return `${h.host}:${h.port}  ${h.addresses.join(', ') || '(no address)'}  ${kind}, ${tls}${h.tlsMode ? `, ${h.tlsMode} CA` : ''}${swarm}\n  ${trust}`;
    })
    .join('\n');
}
