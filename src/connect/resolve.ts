/**
 * Which name to dial. A bare name (`pi-1`) that the resolver does not know is tried as
 * `pi-1.local`: the Pi publishes itself over mDNS, and people type the name the console shows.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export type Lookup = (host: string) => Promise<unknown>;

/** Pure: the names to try, in order. */
export function dialCandidates(host: string): string[] {
  if (isIP(host) || host.includes('.')) return [host];
  return [host, `${host}.local`];
}

/**
 * The first candidate that resolves; when none does, the host as given (the ping then reports
 * "cannot resolve" with the mDNS hint).
 */
export async function hostToDial(
  host: string,
  resolve: Lookup = (h) => lookup(h),
): Promise<string> {
  for (const candidate of dialCandidates(host)) {
    const ok = await resolve(candidate).then(
      () => true,
      () => false,
    );
    if (ok) return candidate;
  }
  return host;
}
