import { expect, test } from 'vitest';
import { dialCandidates, dialTarget } from '../../../src/connect/resolve.js';

test('a bare name is also tried with .local; names with a dot and addresses are not', () => {
  expect(dialCandidates('pi-1')).toEqual(['pi-1', 'pi-1.local']);
  expect(dialCandidates('pi-1.local')).toEqual(['pi-1.local']);
  expect(dialCandidates('pi.example.org')).toEqual(['pi.example.org']);
  expect(dialCandidates('10.0.0.2')).toEqual(['10.0.0.2']);
  expect(dialCandidates('fe80::1')).toEqual(['fe80::1']);
});

/** A resolver that knows only these names, like a LAN where only mDNS answers. */
const knows =
  (...names: string[]) =>
  (h: string) =>
    names.includes(h) ? Promise.resolve({}) : Promise.reject(new Error(`ENOTFOUND ${h}`));

const noMdns = () => Promise.resolve([]);

test('dialTarget takes the first name that resolves, else the name as given', async () => {
  expect(await dialTarget('pi-1', { lookup: knows('pi-1.local') })).toEqual({ name: 'pi-1.local' });
  expect(await dialTarget('pi-1', { lookup: knows('pi-1', 'pi-1.local') })).toEqual({
    name: 'pi-1',
  });
  expect(await dialTarget('pi-1', { lookup: knows(), mdns: noMdns })).toEqual({ name: 'pi-1' });
  expect(await dialTarget('localhost')).toEqual({ name: 'localhost' });
});

test('a .local name the system cannot resolve is asked over mDNS and dialled by address', async () => {
  const asked: string[] = [];
  const mdns = (name: string) => {
    asked.push(name);
    return Promise.resolve(name === 'pi-1.local' ? ['192.168.1.20', 'fd00::20'] : []);
  };
  expect(await dialTarget('pi-1', { lookup: knows(), mdns })).toEqual({
    name: 'pi-1.local',
    address: '192.168.1.20',
  });
  expect(await dialTarget('PI-1.local', { lookup: knows(), mdns })).toEqual({ name: 'PI-1.local' });
  // Only .local names go to mDNS; a name the system resolves never does.
  await dialTarget('pi.example.org', { lookup: knows(), mdns });
  await dialTarget('pi-1.local', { lookup: knows('pi-1.local'), mdns });
  expect(asked).toEqual(['pi-1.local', 'PI-1.local']);
});

test('the addresses an mDNS response gives for a name: IPv4 first, no link-local IPv6', async () => {
  const { addressesFor } = await import('../../../src/connect/mdns-lookup.js');
  expect(
    addressesFor('pi-1.local', {
      answers: [
        { name: 'PI-1.local', type: 'AAAA', data: 'fd00::20' },
        { name: 'pi-1.local', type: 'AAAA', data: 'fe80::1' },
        { name: 'other.local', type: 'A', data: '10.0.0.9' },
        { name: 'pi-1.local', type: 'TXT', data: 'x' },
      ],
      additionals: [{ name: 'pi-1.local.', type: 'A', data: '192.168.1.20' }],
    }),
  ).toEqual(['192.168.1.20', 'fd00::20']);
});

test('the context holds the address only when the certificate covers it', async () => {
  const { contextHost } = await import('../../../src/connect/endpoint.js');
  expect(contextHost({ name: 'pi-1.local' }, false)).toEqual({ host: 'pi-1.local' });
  const covered = contextHost({ name: 'pi-1.local', address: '10.0.0.5' }, true);
  expect(covered.host).toBe('10.0.0.5');
  expect(covered.note).toMatch(/holds its address 10\.0\.0\.5/);
  const named = contextHost({ name: 'pi-1.local', address: '10.0.0.5' }, false);
  expect(named.host).toBe('pi-1.local');
  expect(named.note).toMatch(/libnss-mdns.*'10\.0\.0\.5 pi-1\.local'.*--san 10\.0\.0\.5/);
});

test('configure and the device console give the same connect command', async () => {
  const { connectAdvice } = await import('../../../src/cli/seed-report.js');
  expect(connectAdvice('pi-4', 'laptop')).toBe('armada connect pi-4.local');
  expect(connectAdvice('pi-4', 'device', 'pirate')).toBe(
    'armada connect pi-4.local --ssh pirate@pi-4.local',
  );
  expect(connectAdvice('pi-4', 'device')).toBe('armada connect pi-4.local --from-card <this card>');
});
