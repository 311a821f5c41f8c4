import { expect, test } from 'vitest';
import { dialCandidates, hostToDial } from '../../../src/connect/resolve.js';

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

test('hostToDial takes the first name that resolves, else the name as given', async () => {
  expect(await hostToDial('pi-1', knows('pi-1.local'))).toBe('pi-1.local');
  expect(await hostToDial('pi-1', knows('pi-1', 'pi-1.local'))).toBe('pi-1');
  expect(await hostToDial('pi-1', knows())).toBe('pi-1');
  expect(await hostToDial('localhost')).toBe('localhost');
});

test('configure and the device console give the same connect command', async () => {
  const { connectAdvice } = await import('../../../src/cli/seed-report.js');
  expect(connectAdvice('pi-4', 'laptop')).toBe('armada connect pi-4.local');
  expect(connectAdvice('pi-4', 'device', 'pirate')).toBe(
    'armada connect pi-4.local --ssh pirate@pi-4.local',
  );
  expect(connectAdvice('pi-4', 'device')).toBe('armada connect pi-4.local --from-card <this card>');
});
