/**
 * Which name to dial, and where. A bare name (`pi-1`) that the resolver does not know is tried
 * as `pi-1.local`: the Pi publishes itself over mDNS, and people type the name the console shows.
 * A `.local` name the system resolver cannot resolve (no nss-mdns) is asked over mDNS by armada
 * itself: the connection then goes to the address, and TLS still checks the certificate against
 * the name.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { mdnsLookup } from './mdns-lookup.js';

export type Lookup = (host: string) => Promise<unknown>;
export type MdnsLookup = (name: string, timeoutMs?: number) => Promise<string[]>;

export interface DialTarget {
  /** The name TLS checks the certificate against (and the client bundle is stored under). */
  name: string;
  /** Set when armada resolved the name over mDNS: dial this, not the name. */
  address?: string;
}

/** Pure: the names to try, in order. */
export function dialCandidates(host: string): string[] {
  if (isIP(host) || host.includes('.')) return [host];
  return [host, `${host}.local`];
}

export interface Resolvers {
  lookup?: Lookup;
  mdns?: MdnsLookup;
  mdnsTimeoutMs?: number;
}

/**
 * The first candidate the system resolves; else the first `.local` candidate mDNS answers for,
 * with its address; else the host as given (the ping then reports "cannot resolve").
 */
export async function dialTarget(host: string, r: Resolvers = {}): Promise<DialTarget> {
  const resolve = r.lookup ?? ((h: string) => lookup(h));
  const candidates = dialCandidates(host);
  for (const candidate of candidates) {
    const ok = await resolve(candidate).then(
      () => true,
      () => false,
    );
    if (ok) return { name: candidate };
  }
  const mdns = r.mdns ?? mdnsLookup;
  for (const candidate of candidates.filter((c) => /\.local$/i.test(c))) {
    const [address] = await mdns(candidate, r.mdnsTimeoutMs ?? 2000);
    if (address) return { name: candidate, address };
  }
  return { name: host };
}
