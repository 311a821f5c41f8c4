import { describe, expect, it } from 'vitest';
import { InternalError } from '../../../src/errors.js';
import {
  loadRequirements,
  parseRequirements,
  requirableFeatures,
} from '../../../src/kernel/requirements.js';

describe('kernel-config/ data', () => {
  const req = loadRequirements();

  it('loads and validates every file', () => {
    const ids = req.groups.map((g) => g.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'docker-necessary',
        'storage-overlay2',
        'docker-optional',
        'network-overlay',
        'network-ipvlan',
        'network-macvlan',
        'ovs',
        'raspberry-pi',
      ]),
    );
    expect(new Set(ids).size).toBe(ids.length);
    expect(req.cmdline.map((r) => r.id)).toContain('memory-cgroup');
  });

  it('requires overlay2 and Docker’s necessary options, and OVS only on request', () => {
    const group = (id: string) => req.groups.find((g) => g.id === id)!;
    expect(group('storage-overlay2').severity).toBe('required');
    expect(group('storage-overlay2').options.map((o) => o.name)).toContain('OVERLAY_FS');
    expect(group('docker-necessary').options.map((o) => o.name)).toEqual(
      expect.arrayContaining(['NAMESPACES', 'VETH', 'BRIDGE', 'NF_NAT', 'CGROUP_BPF']),
    );
    expect(group('ovs')).toMatchObject({ severity: 'optional', requiredWith: 'ovs' });
    expect(group('ovs').options.map((o) => o.name)).toEqual(
      expect.arrayContaining([
        'OPENVSWITCH',
        'OPENVSWITCH_GRE',
        'OPENVSWITCH_VXLAN',
        'OPENVSWITCH_GENEVE',
        'NF_CONNTRACK',
      ]),
    );
    expect(requirableFeatures(req)).toEqual(['ovs', 'swarm']);
    // armada swarm's overlay networks and service VIPs.
    expect(group('network-overlay')).toMatchObject({ severity: 'optional', requiredWith: 'swarm' });
    expect(group('network-overlay').options.map((o) => o.name)).toEqual(
      expect.arrayContaining(['VXLAN', 'BRIDGE_VLAN_FILTERING', 'IP_VS', 'IP_VS_RR']),
    );
  });

  it('carries check-config.sh’s version rules', () => {
    const rule = (name: string) =>
      req.groups.flatMap((g) => g.options).find((o) => o.name === name);
    expect(rule('NF_NAT_IPV4')).toMatchObject({ removedIn: '5.2' });
    expect(rule('NF_NAT_NEEDED')).toMatchObject({ removedIn: '5.3' });
    expect(rule('DEVPTS_MULTIPLE_INSTANCES')).toMatchObject({ removedIn: '4.8' });
    expect(rule('CGROUP_BPF')).toMatchObject({ since: '4.15' });
    expect(rule('IOSCHED_CFQ')).toMatchObject({ removedIn: '5.0' });
    expect(rule('MEMCG_SWAP_ENABLED')).toMatchObject({ removedIn: '5.8' });
    expect(rule('INET_XFRM_MODE_TRANSPORT')).toMatchObject({ removedIn: '5.4' });
  });
});

describe('parseRequirements', () => {
  it('accepts strings and objects', () => {
    const req = parseRequirements([
      {
        file: 'a.json',
        data: {
          groups: [
            {
              id: 'g',
              title: 'G',
              severity: 'required',
              options: ['A', { name: 'B', since: '4.15', note: 'n' }],
            },
          ],
        },
      },
    ]);
    expect(req.groups[0].options).toEqual([{ name: 'A' }, { name: 'B', since: '4.15', note: 'n' }]);
  });

  it('takes a group label, or falls back to the title; an empty label is an error', () => {
    const group = (extra: object) => ({
      file: 'a.json',
      data: { groups: [{ id: 'g', title: 'G', severity: 'optional', options: ['A'], ...extra }] },
    });
    expect(parseRequirements([group({ label: 'what it is for' })]).groups[0].label).toBe(
      'what it is for',
    );
    expect(parseRequirements([group({})]).groups[0].label).toBe('G');
    expect(() => parseRequirements([group({ label: '' })])).toThrow(
      /"label" must be a non-empty string/,
    );
  });

  it('reports every problem at once', () => {
    const bad = {
      groups: [
        {
          id: 'g',
          title: 'G',
          severity: 'sometimes',
          options: ['CONFIG_A', { name: 'B', since: 'four' }, { name: 'C', typo: 1 }],
        },
        { id: 'g', title: 'G2', severity: 'optional', options: [] },
      ],
      cmdline: [{ id: 'x' }],
    };
    let error: unknown;
    try {
      parseRequirements([
        { file: 'bad.json', data: bad },
        { file: 'worse.json', data: [] },
      ]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InternalError);
    const message = (error as Error).message;
    for (const part of [
      '"severity"',
      'CONFIG_ prefix',
      '"since" must look like',
      'unknown key "typo"',
      '"options" must be a non-empty list',
      '"disabledBy"',
      'worse.json: must be a JSON object',
    ]) {
      expect(message).toContain(part);
    }
  });
});
