import { describe, expect, test } from 'vitest';
import {
  chooseAdvertiseAddr,
  defaultManagers,
  parseAdvertiseAddrs,
  planJoin,
  planUp,
  type HostState,
  type NodeSummary,
} from '../../../src/swarm/plan.js';
import { UsageError, UserError } from '../../../src/errors.js';

const fresh = (host: string): HostState => ({
  host,
  state: 'inactive',
  nodeId: '',
  isManager: false,
});
const member = (host: string, id: string, manager = false, clusterId = 'c1'): HostState => ({
  host,
  state: 'active',
  nodeId: id,
  isManager: manager,
  ...(manager ? { clusterId } : {}),
});
const hosts = (n: number) => Array.from({ length: n }, (_, i) => fresh(`pi-${i + 1}`));

describe('planUp: a new swarm', () => {
  test('one host: it initialises, one manager, nobody joins', () => {
    const p = planUp({ states: hosts(1) });
    expect(p).toMatchObject({ init: 'pi-1', manager: 'pi-1', joins: [], managersWanted: 1 });
  });

  test('two hosts: the first initialises, the second joins as a worker', () => {
    const p = planUp({ states: hosts(2) });
    expect(p.init).toBe('pi-1');
    expect(p.joins).toEqual([{ host: 'pi-2', role: 'worker' }]);
  });

  test('five hosts: three managers (the first two joiners), then workers', () => {
    const p = planUp({ states: hosts(5) });
    expect(p.managersWanted).toBe(3);
    expect(p.joins).toEqual([
      { host: 'pi-2', role: 'manager' },
      { host: 'pi-3', role: 'manager' },
      { host: 'pi-4', role: 'worker' },
      { host: 'pi-5', role: 'worker' },
    ]);
  });

  test('--managers overrides the default, an even count is warned about', () => {
    const p = planUp({ states: hosts(5), managers: 2 });
    expect(p.joins.filter((j) => j.role === 'manager')).toHaveLength(1);
    expect(p.warnings.join()).toMatch(/odd number/);
    expect(planUp({ states: hosts(5), managers: 5 }).joins.every((j) => j.role === 'manager')).toBe(
      true,
    );
  });

  test('more managers than nodes, or not a count, is a usage error', () => {
    expect(() => planUp({ states: hosts(2), managers: 3 })).toThrow(/would have 2 nodes/);
    expect(() => planUp({ states: hosts(2), managers: 0 })).toThrow(UsageError);
    expect(() => planUp({ states: hosts(2), managers: 1.5 })).toThrow(UsageError);
  });

  test('a host named twice, or none, is a usage error', () => {
    expect(() => planUp({ states: [fresh('a'), fresh('a')] })).toThrow(/named twice/);
    expect(() => planUp({ states: [] })).toThrow(UsageError);
  });
});

describe('planUp: re-runs are idempotent', () => {
  const nodes: NodeSummary[] = [
    { id: 'n1', role: 'manager' },
    { id: 'n2', role: 'manager' },
    { id: 'n3', role: 'manager' },
    { id: 'n4', role: 'worker' },
  ];
  const existing = [
    member('pi-1', 'n1', true),
    member('pi-2', 'n2', true),
    member('pi-3', 'n3', true),
    member('pi-4', 'n4'),
  ];

  test('the same hosts again: nothing to do, every host unchanged', () => {
    const p = planUp({ states: existing, nodes });
    expect(p.init).toBeUndefined();
    expect(p.joins).toEqual([]);
    expect(p.unchanged.map((u) => `${u.host}:${u.role}`)).toEqual([
      'pi-1:manager',
      'pi-2:manager',
      'pi-3:manager',
      'pi-4:worker',
    ]);
  });

  test('a new host joins as a worker when the managers are there already', () => {
    const p = planUp({ states: [...existing, fresh('pi-5')], nodes });
    expect(p.manager).toBe('pi-1');
    expect(p.joins).toEqual([{ host: 'pi-5', role: 'worker' }]);
  });

  test('adding to a one-manager swarm of two brings it to three managers', () => {
    const small: NodeSummary[] = [
      { id: 'n1', role: 'manager' },
      { id: 'n2', role: 'worker' },
    ];
    const p = planUp({
      states: [member('pi-1', 'n1', true), member('pi-2', 'n2'), fresh('pi-3'), fresh('pi-4')],
      nodes: small,
    });
    // The existing worker keeps its role: a re-run changes nothing it did before.
    expect(p.unchanged).toContainEqual({ host: 'pi-2', role: 'worker' });
    expect(p.joins).toEqual([
      { host: 'pi-3', role: 'manager' },
      { host: 'pi-4', role: 'manager' },
    ]);
  });

  test('the manager need not be named first', () => {
    const p = planUp({ states: [fresh('pi-9'), member('pi-1', 'n1', true)], nodes });
    expect(p.manager).toBe('pi-1');
    expect(p.joins).toEqual([{ host: 'pi-9', role: 'worker' }]);
  });
});

describe('planUp: hosts it will not touch', () => {
  test('a host of another swarm', () => {
    const nodes: NodeSummary[] = [{ id: 'n1', role: 'manager' }];
    expect(() =>
      planUp({ states: [member('pi-1', 'n1', true), member('pi-2', 'x9')], nodes }),
    ).toThrow(/pi-2 is in another swarm than pi-1; run 'armada swarm leave pi-2' first/);
    expect(() =>
      planUp({
        states: [member('pi-1', 'n1', true), member('pi-2', 'n1', true, 'c2')],
        nodes,
      }),
    ).toThrow(/another swarm/);
  });

  test('workers without a manager named', () => {
    expect(() => planUp({ states: [member('pi-4', 'n4'), fresh('pi-5')] })).toThrow(
      /pi-4 is a worker of a swarm, and no host named is one of its managers/,
    );
  });

  test('pending, locked and failed hosts, all listed at once', () => {
    const states: HostState[] = [
      { ...fresh('a'), state: 'pending' },
      { ...fresh('b'), state: 'locked' },
      { ...fresh('c'), state: 'error', error: 'raft failed' },
    ];
    try {
      planUp({ states });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      const err = e as UserError;
      expect(err.message).toMatch(/a is still joining/);
      expect(err.details.join('\n')).toMatch(/docker swarm unlock/);
      expect(err.details.join('\n')).toMatch(/raft failed.*--force/);
    }
  });

  test('hosts with live-restore on (the image default), before anything changes; members are fine', () => {
    const states: HostState[] = [
      { ...fresh('a'), liveRestore: true },
      fresh('b'),
      { ...fresh('c'), liveRestore: true },
    ];
    try {
      planUp({ states });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      const err = e as UserError;
      expect(err.message).toMatch(/^a keeps containers running .*--no-live-restore/);
      expect(err.details).toHaveLength(1);
      expect(err.details[0]).toMatch(/^c keeps containers running/);
    }
    // Already in this swarm (live-restore turned on afterwards): left alone, not refused.
    expect(
      planUp({
        states: [{ ...member('a', 'n1', true), liveRestore: true }],
        nodes: [{ id: 'n1', role: 'manager' }],
      }).unchanged,
    ).toEqual([{ host: 'a', role: 'manager' }]);
  });
});

describe('planJoin', () => {
  const nodes: NodeSummary[] = [{ id: 'n1', role: 'manager' }];
  test('every new host joins with the role asked for; members stay', () => {
    const p = planJoin(member('m', 'n1', true), nodes, [fresh('a'), fresh('b')], 'manager');
    expect(p.joins).toEqual([
      { host: 'a', role: 'manager' },
      { host: 'b', role: 'manager' },
    ]);
    expect(p.init).toBeUndefined();
  });
  test('the manager given must be a manager', () => {
    expect(() => planJoin(fresh('m'), [], [fresh('a')], 'worker')).toThrow(/not a swarm manager/);
    expect(() => planJoin(member('m', 'n1'), nodes, [fresh('a')], 'worker')).toThrow(
      /not a swarm manager/,
    );
  });
});

test('defaultManagers: three from three nodes on', () => {
  expect([1, 2, 3, 4, 7].map(defaultManagers)).toEqual([1, 1, 3, 3, 3]);
});

describe('chooseAdvertiseAddr', () => {
  test.each([
    [['192.168.1.21'], '192.168.1.21'],
    [['fe80::1', '192.168.1.21'], '192.168.1.21'],
    [['2001:db8::21', '192.168.1.21'], '192.168.1.21'],
    [['2001:db8::21'], '2001:db8::21'],
    [['169.254.3.4', '10.0.0.7'], '10.0.0.7'],
    [['127.0.0.1'], undefined],
    [['::1'], undefined],
    [['fe80::1'], undefined],
    [[], undefined],
  ])('%j → %s', (resolved, expected) => expect(chooseAdvertiseAddr(resolved)).toBe(expected));
});

describe('parseAdvertiseAddrs', () => {
  const names = ['pi-1.local', 'pi-2.local', '127.0.0.1:40000'];
  test('one value for all, or HOST=ADDR per host', () => {
    expect(parseAdvertiseAddrs(['eth0'], names)).toEqual({ byHost: new Map(), all: 'eth0' });
    const r = parseAdvertiseAddrs(
      ['pi-1.local=10.0.0.1', '127.0.0.1:40000=enp0s2', 'wlan0'],
      names,
    );
    expect(r.all).toBe('wlan0');
    expect(r.byHost.get('pi-1.local')).toBe('10.0.0.1');
    expect(r.byHost.get('127.0.0.1:40000')).toBe('enp0s2');
  });
  test('addresses with ports and IPv6', () => {
    expect(parseAdvertiseAddrs(['10.0.0.1:2377'], names).all).toBe('10.0.0.1:2377');
    expect(parseAdvertiseAddrs(['[2001:db8::1]:2377'], names).all).toBe('[2001:db8::1]:2377');
    expect(parseAdvertiseAddrs(['2001:db8::1'], names).all).toBe('2001:db8::1');
  });
  test.each([['pi-9.local=eth0'], ['eth0;rm'], ['10.0.0.1:x'], ['a', 'b'], ['']])(
    '%j is refused',
    (...values) => expect(() => parseAdvertiseAddrs(values, names)).toThrow(UsageError),
  );
});
