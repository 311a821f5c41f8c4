/**
 * Browsing mDNS for `_docker._tcp` with bonjour-service.
 */
import { Bonjour, type Service } from 'bonjour-service';
import { UserError } from '../errors.js';
import type { ServiceRecord } from './records.js';

/** Browse for `timeoutMs` (asking again halfway, for hosts that missed the first query). */
export async function browseDocker(timeoutMs: number): Promise<ServiceRecord[]> {
  const found: Service[] = [];
  let failure: unknown;
  const bonjour = new Bonjour({}, (error: unknown) => (failure = error));
  try {
    const browser = bonjour.find({ type: 'docker', protocol: 'tcp' }, (s) => found.push(s));
    const again = setTimeout(() => browser.update(), Math.min(1000, timeoutMs / 2));
    await new Promise((resolve) => setTimeout(resolve, timeoutMs));
    clearTimeout(again);
    browser.stop();
  } finally {
    await new Promise<void>((resolve) => bonjour.destroy(() => resolve()));
  }
  if (failure && !found.length)
    throw new UserError(
      `mDNS browsing failed: ${failure instanceof Error ? failure.message : JSON.stringify(failure)}; is UDP port 5353 usable here?`,
    );
  return found.map((s) => ({
    name: s.name,
    host: s.host,
    port: s.port,
    addresses: s.addresses ?? [],
    txt: (s.txt ?? {}) as Record<string, unknown>,
    ...(s.referer ? { referer: { address: s.referer.address } } : {}),
  }));
}
