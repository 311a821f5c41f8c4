/**
 * A `.local` name's addresses asked over mDNS by armada itself (A and AAAA, bounded), for
 * laptops whose resolver has no mDNS (Linux without nss-mdns): the Pi answers these queries
 * whether or not this machine's resolver would ask them.
 */
import { Bonjour } from 'bonjour-service';
import { isIP } from 'node:net';

/** The subset of multicast-dns (inside bonjour-service) used here. */
interface MdnsSocket {
  query(q: { questions: { name: string; type: 'A' | 'AAAA' }[] }): void;
  on(event: 'response', fn: (packet: MdnsPacket) => void): void;
}
interface MdnsAnswer {
  name?: string;
  type?: string;
  data?: unknown;
}
interface MdnsPacket {
  answers?: MdnsAnswer[];
  additionals?: MdnsAnswer[];
}

/** Pure: the addresses a response gives for `name` (IPv4 first: link-local IPv6 needs a zone). */
export function addressesFor(name: string, packet: MdnsPacket): string[] {
  const wanted = name.toLowerCase().replace(/\.$/, '');
  const found = [...(packet.answers ?? []), ...(packet.additionals ?? [])]
    .filter((a) => (a.type === 'A' || a.type === 'AAAA') && typeof a.data === 'string')
    .filter((a) => (a.name ?? '').toLowerCase().replace(/\.$/, '') === wanted)
    .map((a) => a.data as string)
    .filter((a) => isIP(a) && !/^fe80:/i.test(a));
  return [...new Set(found)].sort((a, b) => isIP(a) - isIP(b));
}

/**
 * The addresses of `name` (a `.local` name) from the first mDNS answer, or [] when none came
 * within `timeoutMs`. Asked again once halfway: the first query can be lost while a Pi's
 * network comes up.
 */
export async function mdnsLookup(name: string, timeoutMs = 2000): Promise<string[]> {
  if (!/\.local\.?$/i.test(name)) return [];
  const bonjour = new Bonjour({}, () => undefined);
  const mdns = (bonjour as unknown as { server: { mdns: MdnsSocket } }).server.mdns;
  try {
    return await new Promise<string[]>((resolve) => {
      const ask = () =>
        mdns.query({
          questions: [
            { name, type: 'A' },
            { name, type: 'AAAA' },
          ],
        });
      const again = setTimeout(ask, timeoutMs / 2);
      const timer = setTimeout(() => {
        clearTimeout(again);
        resolve([]);
      }, timeoutMs);
      mdns.on('response', (packet) => {
        const found = addressesFor(name, packet);
        if (!found.length) return;
        clearTimeout(again);
        clearTimeout(timer);
        resolve(found);
      });
      ask();
    });
  } finally {
    await new Promise<void>((resolve) => bonjour.destroy(() => resolve()));
  }
}
