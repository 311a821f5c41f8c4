import { describe, expect, test } from 'vitest';
import {
  checkedTrust,
  mergeHosts,
  toDiscoveredHost,
  type ServiceRecord,
} from '../../../src/discover/records.js';
import { formatDiscover } from '../../../src/commands/discover.js';
import { hostAliases } from '../../../src/tls/bundle.js';

const sha = 'ab'.repeat(32);
const base: ServiceRecord = {
  name: 'pi-1',
  host: 'pi-1.local',
  port: 2376,
  addresses: ['192.168.1.21', 'fe80::1'],
  txt: { tls: '1', armada: '0.1.0', tlsmode: 'laptop', ca: sha },
};

describe('toDiscoveredHost', () => {
  test('laptop-CA host with this laptop’s CA', () => {
    expect(toDiscoveredHost(base, { hostBundles: new Set(), laptopCaSha256: sha })).toEqual({
      name: 'pi-1',
      host: 'pi-1.local',
      addresses: ['192.168.1.21', 'fe80::1'],
      port: 2376,
      txt: { tls: '1', armada: '0.1.0', tlsmode: 'laptop', ca: sha },
      tls: true,
      armadaVersion: '0.1.0',
      tlsMode: 'laptop',
      trust: { trusted: true, via: 'laptop-ca', detail: "seeded with this laptop's CA" },
    });
  });

  test.each([
    [
      'another laptop’s CA',
      { ...base },
      { hostBundles: new Set<string>(), laptopCaSha256: 'cd'.repeat(32) },
      { trusted: false, detail: expect.stringMatching(/another laptop/) },
    ],
    [
      'no CA here',
      { ...base },
      { hostBundles: new Set<string>() },
      { trusted: false, detail: expect.stringMatching(/ca init/) },
    ],
    [
      'laptop mode without ca= TXT',
      { ...base, txt: { tls: '1', tlsmode: 'laptop' } },
      { hostBundles: new Set<string>(), laptopCaSha256: sha },
      { trusted: true, via: 'laptop-ca' },
    ],
    [
      'device CA, no bundle',
      { ...base, txt: { tls: '1', tlsmode: 'device' } },
      { hostBundles: new Set<string>(), laptopCaSha256: sha },
      { trusted: false, detail: expect.stringMatching(/--ssh/) },
    ],
    [
      'device CA, bundle stored by address',
      { ...base, txt: { tls: '1', tlsmode: 'device' } },
      { hostBundles: new Set(['192.168.1.21']) },
      { trusted: true, via: 'host-bundle' },
    ],
    [
      'device CA, bundle stored without .local',
      { ...base, txt: { tlsmode: 'device' } },
      { hostBundles: new Set(['pi-1']) },
      { trusted: true, via: 'host-bundle' },
    ],
    [
      'plain Docker host',
      { ...base, txt: {} },
      { hostBundles: new Set<string>() },
      { trusted: false, detail: 'not an armada device' },
    ],
  ])('%s', (_name, service, trust, verdict) => {
    expect(toDiscoveredHost(service, trust).trust).toMatchObject(verdict);
  });

  test('TXT values from Buffers and keys in any case; no host falls back to name.local and the referer', () => {
    const h = toDiscoveredHost(
      {
        name: 'x',
        port: 2375,
        txt: { TLS: Buffer.from('0'), Armada: Buffer.from('0.2.0') },
        referer: { address: '10.0.0.5' },
      },
      { hostBundles: new Set() },
    );
    expect(h).toMatchObject({
      host: 'x.local',
      addresses: ['10.0.0.5'],
      tls: false,
      armadaVersion: '0.2.0',
    });
  });
});

describe('mergeHosts and formatDiscover', () => {
  test('one entry per host:port, addresses merged, sorted', () => {
    const t = { hostBundles: new Set<string>() };
    const merged = mergeHosts([
      toDiscoveredHost({ ...base, name: 'pi-2', host: 'pi-2.local', addresses: ['10.0.0.2'] }, t),
      toDiscoveredHost({ ...base, addresses: ['10.0.0.1'] }, t),
      toDiscoveredHost({ ...base, addresses: ['fe80::1'] }, t),
    ]);
    expect(merged.map((h) => [h.host, h.addresses])).toEqual([
      ['pi-1.local', ['10.0.0.1', 'fe80::1']],
      ['pi-2.local', ['10.0.0.2']],
    ]);
    expect(formatDiscover(merged, 3000)).toMatch(
      /pi-1\.local:2376 {2}10\.0\.0\.1, fe80::1 {2}armada 0\.1\.0, tls, laptop CA\n {2}not trusted/,
    );
    expect(formatDiscover([], 3000)).toMatch(/no _docker\._tcp hosts answered within 3 s/);
  });

  test('the swarm role: an mDNS hint until the TLS API confirms it', () => {
    const t = { hostBundles: new Set<string>() };
    const h = toDiscoveredHost({ ...base, txt: { ...base.txt, swarm: 'worker' } }, t);
    expect(h.swarm).toEqual({ role: 'worker', checked: false });
    expect(toDiscoveredHost(base, t)).not.toHaveProperty('swarm');
    expect(formatDiscover([h], 3000)).toMatch(
      /laptop CA, swarm: worker \(mDNS hint, not checked\)\n/,
    );
    expect(formatDiscover([{ ...h, swarm: { role: 'manager', checked: true } }], 3000)).toMatch(
      /laptop CA, swarm: manager\n/,
    );
  });

  test('host aliases share a bundle', () => {
    expect(hostAliases('Pi-1.local')).toEqual(['pi-1.local', 'pi-1']);
    expect(hostAliases('pi-1')).toEqual(['pi-1', 'pi-1.local']);
    expect(hostAliases('10.0.0.1')).toEqual(['10.0.0.1']);
  });
});

describe('checkedTrust: a TXT record alone never makes a host trusted', () => {
  const host = toDiscoveredHost(base, { hostBundles: new Set(), laptopCaSha256: sha });
  test('trusted once its TLS port answered', () => {
    expect(checkedTrust(host, { ready: true }).trust).toEqual({
      trusted: true,
      via: 'laptop-ca',
      detail: "seeded with this laptop's CA",
      tlsChecked: true,
    });
  });
  test('not trusted when its TLS port did not answer, with the reason', () => {
    const t = checkedTrust(host, {
      ready: false,
      message: 'connection refused by pi-1.local:2376',
    });
    expect(t.trust).toEqual({
      trusted: false,
      detail:
        "seeded with this laptop's CA, but its TLS port did not answer: connection refused by pi-1.local:2376",
      tlsChecked: false,
    });
    expect(formatDiscover([t], 3000)).toMatch(/not trusted: .*did not answer/);
  });
  test('not trusted without a certificate to try; untrusted hosts are left as they are', () => {
    expect(checkedTrust(host, undefined).trust).toMatchObject({
      trusted: false,
      tlsChecked: false,
    });
    const other = toDiscoveredHost(base, { hostBundles: new Set() });
    expect(checkedTrust(other, undefined)).toBe(other);
  });
});
