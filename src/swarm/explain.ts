/**
 * Pure: an Engine API failure during a swarm operation, as one line that names the fix. Two kinds
 * arrive: the connection to the host's TLS API failed (the same reasons `connect` reports), or
 * the engine answered with an error (`(HTTP code 503) … - <engine message>` from docker-modem).
 */
import { explainPingError } from '../tls/ping.js';

export interface ApiErrorLike {
  code?: string;
  message?: string;
  statusCode?: number;
  json?: unknown;
}

/** The engine's own message (`{"message": …}`), or the text docker-modem built around it. */
export function engineMessage(e: ApiErrorLike): string {
  const j = e.json;
  if (j && typeof j === 'object' && typeof (j as { message?: unknown }).message === 'string')
    return (j as { message: string }).message.trim();
  if (typeof j === 'string' && j.trim()) return j.trim();
  return (e.message ?? '').replace(/^\(HTTP code \d+\)\s*[^-]*-\s*/, '').trim();
}

const swarmPorts = '2377/tcp, 7946/tcp+udp and 4789/udp';

export interface ExplainContext {
  /** The host whose API was called, as the user named it. */
  host: string;
  /** The name or address dialled, and its TLS port. */
  dialled: string;
  port: number;
  /** What armada was doing, e.g. "joining the swarm". */
  doing: string;
}

export function explainSwarmError(e: ApiErrorLike, ctx: ExplainContext): string {
  const { host, doing } = ctx;
  if (e.statusCode === undefined) {
    const ping = explainPingError(e, ctx.dialled, ctx.port, 60_000);
    return ping.ready ? `${host}: ${doing}: ${e.message ?? ''}` : `${doing}: ${ping.message}`;
  }
  const m = engineMessage(e);
  if (/already part of a swarm/i.test(m))
    return `${host} is already in a swarm; 'armada swarm ls ${host}' shows it, 'armada swarm leave ${host}' takes it out`;
  // armada's images turn live-restore on (containers outlive a Docker upgrade); the engine
  // refuses swarm mode with it.
  if (/live-restore.*incompatible with swarm/i.test(m))
    return `${host} keeps containers running across Docker restarts (live-restore), which the engine refuses in a swarm; re-seed its card with 'armada configure <card> --no-live-restore' and boot it (or on the device: set "live-restore": false in /etc/docker/daemon.json, then 'systemctl reload docker'), and run the command again`;
  if (/not part of a swarm/i.test(m))
    return `${host} is not in a swarm; form one with 'armada swarm up ${host} …'`;
  if (/not a swarm manager/i.test(m))
    return `${host} is a worker, not a swarm manager; name one of its managers instead ('docker info' on ${host} lists their addresses)`;
  if (
    /could not (choose|find) an? (IP )?address to advertise|advertise address must be|multiple addresses/i.test(
      m,
    )
  )
    return `${host} has several network addresses and the engine will not guess which the swarm should use (${m}); give --advertise-addr ${host}=<its LAN address or interface, e.g. eth0>`;
  if (/x509|certificate has expired|not yet valid|certificate.*(expired|valid)/i.test(m))
    return `${doing} on ${host} failed on a certificate's validity (${m}): the clocks of ${host} and the manager disagree; set the time on both (NTP, or 'date -s') and run the command again`;
  if (
    /timeout was reached before node joined|context deadline exceeded|connection refused|no route to host|i\/o timeout|connection error/i.test(
      m,
    )
  )
    return `${host} could not reach the swarm manager while ${doing} (${m}); the nodes must reach each other on ${swarmPorts} (same LAN? firewall?), or pick the right network with --advertise-addr`;
  if (/invalid join token|token.*invalid|rejected.*token/i.test(m))
    return `${host}: the manager rejected the join token (${m}); the swarm's tokens were rotated: run the command again`;
  if (/node .* is not down and can't be removed/i.test(m))
    return `${host}: the manager still sees the node as up (${m}); wait a few seconds and run the command again`;
  if (/quorum|would lose|last manager/i.test(m))
    return `${host}: ${m}; keep a majority of managers (demote or add managers first), or use --force to take down the swarm`;
  return `${host}: ${doing} failed: ${m || `HTTP ${e.statusCode}`}`;
}
