/**
 * `armada swarm up|ls|join|leave`: Docker Swarm mode across armada hosts, through each host's
 * TLS API (src/swarm/).
 */
import type { NodeRow } from '../swarm/nodes.js';
import type { UpResult } from '../swarm/up.js';
import type { LeaveResult } from '../swarm/leave.js';
import type { LsResult } from '../swarm/ls.js';

export {
  swarmUp,
  swarmJoin,
  type UpOptions,
  type JoinOptions,
  type UpResult,
} from '../swarm/up.js';
export { swarmLeave, type LeaveOptions, type LeaveResult } from '../swarm/leave.js';
export { swarmLs, type LsResult } from '../swarm/ls.js';

/** Pure: the node table `docker node ls` would show, plus the armada host of each node. */
export function formatNodes(nodes: readonly NodeRow[]): string {
  const header = [
    'HOSTNAME',
    'ARMADA HOST',
    'ROLE',
    'AVAILABILITY',
    'STATUS',
    'MANAGER',
    'ENGINE',
    'ADDRESS',
  ];
  const rows = nodes.map((n) => [
    n.hostname,
    n.armadaHost ?? '-',
    n.role,
    n.availability,
    n.status,
    n.role === 'manager' ? (n.leader ? 'leader' : (n.reachability ?? 'unknown')) : '-',
    n.engineVersion || '-',
    n.address || '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function formatUp(r: UpResult): string {
  const lines: string[] = [];
  if (r.initialised)
    lines.push(`swarm ${r.clusterId.slice(0, 12)} initialised on ${r.initialised}`);
  else lines.push(`swarm ${r.clusterId.slice(0, 12)}, managed by ${r.manager}`);
  for (const j of r.joined) lines.push(`  joined: ${j.host} as a ${j.role}`);
  for (const u of r.unchanged)
    lines.push(`  already in the swarm: ${u.host} (${u.role}), unchanged`);
  if (!r.joined.length && !r.initialised) lines.push('  nothing to do: every host is in the swarm');
  lines.push('', formatNodes(r.nodes));
  if (r.tokens)
    lines.push(
      '',
      `join tokens (secrets: anyone holding one can add a node):`,
      `  worker   ${r.tokens.worker}`,
      `  manager  ${r.tokens.manager}`,
    );
  lines.push(
    '',
    `next: armada connect ${r.manager}, then docker --context <that context> stack deploy -c compose.yaml <stack>`,
  );
  return lines.join('\n');
}

export function formatLs(r: LsResult): string {
  return `swarm ${r.clusterId.slice(0, 12)} as ${r.manager} sees it:\n${formatNodes(r.nodes)}`;
}

export function formatLeave(r: LeaveResult): string {
  const lines = r.left.map(
    (l) =>
      `${l.host}: drained and left the swarm in ${Math.round(l.drainedMs / 1000)} s${l.wasManager ? ' (was a manager)' : ''}`,
  );
  for (const h of r.notInSwarm) lines.push(`${h}: was not in a swarm`);
  return lines.join('\n');
}
