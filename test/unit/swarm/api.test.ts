/**
 * The Engine API's answers as the swarm commands read them, and its errors as the one line the
 * user sees. Messages are the engine's own (moby daemon/cluster), as docker-modem wraps them.
 */
import { describe, expect, test } from 'vitest';
import { engineMessage, explainSwarmError } from '../../../src/swarm/explain.js';
import {
  hostStateFromInfo,
  liveTasks,
  managerAddrs,
  nodeRow,
  nodeSpecOf,
  sortRows,
} from '../../../src/swarm/nodes.js';
import { formatNodes } from '../../../src/commands/swarm.js';

const ctx = { host: 'pi-2.local', dialled: 'pi-2.local', port: 2376, doing: 'joining the swarm' };
const engine = (statusCode: number, message: string) => ({
  statusCode,
  message: `(HTTP code ${statusCode}) unexpected - ${message} `,
  json: { message },
});

describe('explainSwarmError', () => {
  test.each([
    [
      engine(
        503,
        'This node is already part of a swarm. Use "docker swarm leave" to leave this swarm and join another one.',
      ),
      /pi-2.local is already in a swarm; .*armada swarm leave pi-2.local/,
    ],
    [
      // moby daemon/config/config_linux.go IsSwarmCompatible, on swarm init and join
      engine(400, '--live-restore daemon configuration is incompatible with swarm mode'),
      /live-restore.*armada configure <card> --no-live-restore/,
    ],
    [
      engine(503, 'This node is not part of a swarm'),
      /not in a swarm; form one with 'armada swarm up pi-2.local/,
    ],
    [
      engine(
        503,
        "This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state.",
      ),
      /is a worker, not a swarm manager/,
    ],
    [
      engine(
        400,
        'could not choose an IP address to advertise since this system has multiple addresses on different interfaces (10.0.2.15 on enp0s1 and 10.99.0.11 on enp0s2)',
      ),
      /give --advertise-addr pi-2.local=<its LAN address or interface/,
    ],
    [
      engine(
        500,
        'Timeout was reached before node joined. The attempt to join the swarm will continue in the background. Use the "docker info" command to see the current swarm status of your node.',
      ),
      /could not reach the swarm manager .* 2377\/tcp, 7946\/tcp\+udp and 4789\/udp/,
    ],
    [
      engine(
        500,
        'rpc error: code = Unavailable desc = connection error: desc = "transport: authentication handshake failed: x509: certificate has expired or is not yet valid"',
      ),
      /clocks of pi-2.local and the manager disagree/,
    ],
    [
      engine(
        500,
        'rpc error: code = InvalidArgument desc = A valid join token is necessary to join this cluster',
      ),
      /pi-2.local: joining the swarm failed: rpc error/,
    ],
  ])('%#', (error, expected) => expect(explainSwarmError(error, ctx)).toMatch(expected));

  test('connection failures read like connect’s', () => {
    expect(explainSwarmError({ code: 'ECONNREFUSED', message: 'x' }, ctx)).toMatch(
      /joining the swarm: connection refused by pi-2.local:2376/,
    );
    expect(
      explainSwarmError(
        { code: 'CERT_NOT_YET_VALID', message: 'certificate is not yet valid' },
        ctx,
      ),
    ).toMatch(/check the clocks/);
    expect(explainSwarmError({ code: 'ARMADA_TIMEOUT' }, ctx)).toMatch(
      /no answer from pi-2.local:2376/,
    );
  });

  test('engineMessage prefers the JSON body', () => {
    expect(engineMessage(engine(500, 'boom'))).toBe('boom');
    expect(engineMessage({ message: '(HTTP code 404) no such node - node x not found' })).toBe(
      'node x not found',
    );
  });
});

describe('reading the API', () => {
  test('hostStateFromInfo', () => {
    expect(hostStateFromInfo('a', { Swarm: { LocalNodeState: 'inactive', NodeID: '' } })).toEqual({
      host: 'a',
      state: 'inactive',
      nodeId: '',
      isManager: false,
    });
    expect(
      hostStateFromInfo('a', { LiveRestoreEnabled: true, Swarm: { LocalNodeState: 'inactive' } }),
    ).toMatchObject({ state: 'inactive', liveRestore: true });
    expect(
      hostStateFromInfo('a', {
        Swarm: {
          LocalNodeState: 'active',
          NodeID: 'n1',
          ControlAvailable: true,
          Cluster: { ID: 'c' },
        },
      }),
    ).toEqual({ host: 'a', state: 'active', nodeId: 'n1', isManager: true, clusterId: 'c' });
    expect(hostStateFromInfo('a', {}).state).toBe('error');
    expect(hostStateFromInfo('a', { Swarm: { LocalNodeState: 'weird' } }).error).toMatch(/weird/);
  });

  test('managerAddrs, liveTasks, nodeSpecOf', () => {
    expect(
      managerAddrs({ Swarm: { RemoteManagers: [{ NodeID: 'n', Addr: '10.99.0.11:2377' }] } }),
    ).toEqual(['10.99.0.11:2377']);
    expect(managerAddrs({ Swarm: { RemoteManagers: null } })).toEqual([]);
    const task = (State: string) => ({ Status: { State } });
    expect(
      liveTasks([task('running'), task('shutdown'), task('preparing'), task('complete')]),
    ).toBe(2);
    expect(nodeSpecOf({ Version: { Index: 42 }, Spec: { Role: 'worker' } })).toEqual({
      version: 42,
      spec: { Role: 'worker' },
    });
  });

  const node = (hostname: string, role: string, leader = false, label?: string) => ({
    ID: `id-${hostname}`,
    Spec: { Role: role, Availability: 'active', Labels: label ? { 'armada.host': label } : {} },
    Description: { Hostname: hostname, Engine: { EngineVersion: '20.10.24+dfsg1' } },
    Status: { State: 'ready', Addr: '10.99.0.1' },
    ...(role === 'manager' ? { ManagerStatus: { Leader: leader, Reachability: 'reachable' } } : {}),
  });

  test('nodeRow and the table: managers first, leader on top, the armada host of each', () => {
    const rows = sortRows([
      nodeRow(node('w1', 'worker', false, 'w1.local')),
      nodeRow(node('m2', 'manager')),
      nodeRow(node('m1', 'manager', true, 'm1.local')),
    ]);
    expect(rows.map((r) => r.hostname)).toEqual(['m1', 'm2', 'w1']);
    expect(rows[2]).not.toHaveProperty('reachability');
    const table = formatNodes(rows).split('\n');
    expect(table[0]).toMatch(
      /^HOSTNAME\s+ARMADA HOST\s+ROLE\s+AVAILABILITY\s+STATUS\s+MANAGER\s+ENGINE\s+ADDRESS$/,
    );
    expect(table[1]).toMatch(/^m1\s+m1.local\s+manager\s+active\s+ready\s+leader\s+20.10.24/);
    expect(table[2]).toMatch(/^m2\s+-\s+manager\s+active\s+ready\s+reachable/);
    expect(table[3]).toMatch(/^w1\s+w1.local\s+worker\s+active\s+ready\s+-\s+20/);
  });
});
