/**
 * `armada swarm leave <host…>`: drain each node (its tasks move elsewhere and stop here), demote
 * it if it is a manager, make it leave, and remove it from the manager's list.
 */
import { UsageError, UserError } from '../errors.js';
import { log } from '../log.js';
import { throwIfInterrupted } from '../cleanup.js';
import { openHost, type SwarmHost } from './client.js';
import { openHosts } from './up.js';
import { hostStateFromInfo, liveTasks, nodeSpecOf } from './nodes.js';
import type { HostState } from './plan.js';

export interface LeaveOptions {
  hosts: readonly string[];
  /** A manager that stays (drains and removes the nodes); default: a manager among the hosts. */
  manager?: string;
  /** Let the last manager leave: the swarm is gone then. */
  force?: boolean;
  /** How long to wait for a drained node's tasks to stop (default 120 s). */
  drainTimeoutMs?: number;
}

export interface LeaveResult {
  left: { host: string; nodeId: string; drainedMs: number; wasManager: boolean }[];
  /** Hosts that were in no swarm. */
  notInSwarm: string[];
}

async function stateOf(h: SwarmHost): Promise<HostState> {
  return hostStateFromInfo(h.name, await h.call('reading its swarm state', (d) => d.info()));
}

export async function swarmLeave(opts: LeaveOptions): Promise<LeaveResult> {
  if (!opts.hosts.length) throw new UsageError('name at least one host to take out of its swarm');
  const drainTimeoutMs = opts.drainTimeoutMs ?? 120_000;
  if (!(drainTimeoutMs > 0 && drainTimeoutMs <= 3_600_000))
    throw new UsageError('--drain-timeout: give more than 0 and at most 3600 seconds');
  const hosts = await openHosts(opts.hosts);
  const states = await Promise.all(hosts.map(stateOf));
  const stayingManager = opts.manager ? await openHost(opts.manager) : undefined;
  if (stayingManager && opts.hosts.includes(stayingManager.name))
    throw new UsageError(
      `--manager ${stayingManager.name} is one of the hosts leaving; give a manager that stays`,
    );
  if (stayingManager) {
    const s = await stateOf(stayingManager);
    if (!(s.state === 'active' && s.isManager))
      throw new UserError(
        `--manager ${stayingManager.name} is not a swarm manager; give one of the swarm's managers`,
      );
  }
  const result: LeaveResult = { left: [], notInSwarm: [] };
  for (const [i, h] of hosts.entries()) {
    throwIfInterrupted();
    const s = states[i];
    if (s.state === 'inactive') {
      log.info(`${h.name}: not in a swarm; nothing to do`);
      result.notInSwarm.push(h.name);
      continue;
    }
    // Drain and remove through a manager that stays; a leaving manager drains itself.
    const ops = stayingManager ?? (s.isManager ? h : undefined);
    if (!ops)
      throw new UsageError(
        `${h.name} is a worker: give --manager <a manager host> so armada can drain it before it leaves`,
      );
    const managers = await ops.call('listing the managers', (d) =>
      d.listNodes({ filters: JSON.stringify({ role: ['manager'] }) }),
    );
    const lastManager = s.isManager && managers.length <= 1;
    if (lastManager && !opts.force)
      throw new UserError(
        `${h.name} is the swarm's last manager: leaving ends the swarm for every node; run again with --force to do that`,
      );
    const started = Date.now();
    if (!lastManager) {
      await setNode(ops, s.nodeId, { Availability: 'drain' }, `draining ${h.name}`);
      await waitDrained(ops, s.nodeId, h.name, drainTimeoutMs);
      log.info(`${h.name}: drained in ${Math.round((Date.now() - started) / 1000)} s`);
      if (s.isManager) {
        await setNode(ops, s.nodeId, { Role: 'worker' }, `demoting ${h.name}`);
        await waitDemoted(h, drainTimeoutMs);
      }
    }
    await h.call('leaving the swarm', (d) => d.swarmLeave({ force: lastManager }));
    if (stayingManager)
      await stayingManager.call(`removing ${h.name}'s node`, (d) =>
        d.getNode(s.nodeId).remove({ force: true }),
      );
    else if (!lastManager)
      log.info(
        `${h.name}: the swarm lists its node as down until a manager removes it (docker node rm ${s.nodeId}, or pass --manager next time)`,
      );
    log.info(
      `${h.name}: left the swarm${lastManager ? ' (it was the last manager: the swarm is gone)' : ''}`,
    );
    result.left.push({
      host: h.name,
      nodeId: s.nodeId,
      drainedMs: Date.now() - started,
      wasManager: s.isManager,
    });
  }
  return result;
}

async function setNode(
  ops: SwarmHost,
  nodeId: string,
  change: Record<string, string>,
  doing: string,
): Promise<void> {
  await ops.call(doing, async (d) => {
    const node = d.getNode(nodeId);
    const { version, spec } = nodeSpecOf(await node.inspect());
    await node.update({ _query: { version }, _body: { ...spec, ...change } });
  });
}

async function poll(what: string, timeoutMs: number, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    throwIfInterrupted();
    if (await done()) return;
    if (Date.now() > deadline) throw new UserError(what);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

async function waitDrained(ops: SwarmHost, nodeId: string, name: string, timeoutMs: number) {
  await poll(
    `${name}: its tasks were still running ${timeoutMs / 1000} s after the drain; give a longer --drain-timeout, or check 'docker node ps ${nodeId}'`,
    timeoutMs,
    async () =>
      liveTasks(
        await ops.call('listing the drained node’s tasks', (d) =>
          d.listTasks({ filters: JSON.stringify({ node: [nodeId] }) }),
        ),
      ) === 0,
  );
}

async function waitDemoted(h: SwarmHost, timeoutMs: number) {
  await poll(
    `${h.name} was still a manager ${timeoutMs / 1000} s after being demoted; run the command again`,
    timeoutMs,
    async () => !(await stateOf(h)).isManager,
  );
}
