/**
 * `armada connect <host>`: make a docker context for a device and report whether it answers.
 */
import { connectHost, type ConnectOptions, type ConnectResult } from '../connect/connect.js';
import type { Attempt } from '../connect/wait.js';
import { CheckFailedError } from '../errors.js';
import { log } from '../log.js';

export type { ConnectOptions, ConnectResult };

/** Progress while waiting: each new reason at once, the same one every 15 s. */
function waitReporter(host: string, waitMs: number): (elapsedMs: number, last: Attempt) => void {
  let said = '';
  let saidAt = -Infinity;
  return (elapsedMs, last) => {
    if (last.ping.ready) return;
    const why = last.ping.message;
    if (why === said && elapsedMs - saidAt < 15_000) return;
    [said, saidAt] = [why, elapsedMs];
    log.info(
      `waiting for ${host} (${Math.round(elapsedMs / 1000)} s of ${Math.round(waitMs / 1000)} s): ${why}`,
    );
  };
}

export function connect(opts: ConnectOptions): Promise<ConnectResult> {
  return connectHost({
    ...opts,
    ...(opts.waitMs && !opts.onWait ? { onWait: waitReporter(opts.host, opts.waitMs) } : {}),
  });
}

export function formatConnect(r: ConnectResult): string {
  const lines = [
    `${r.endpoint}  certificates: ${r.certPath} (${r.certSource === 'laptop' ? "this laptop's CA" : `device CA, from ${r.certSource}`})`,
  ];
  lines.push(
    r.context.created
      ? `docker context '${r.context.name}' ${r.context.replaced ? 'replaced' : 'created'}: docker --context ${r.context.name} ps   (or: docker context use ${r.context.name})`
      : `no docker context: ${r.context.reason}`,
  );
  if (r.context.created && r.context.note) lines.push(`note: ${r.context.note}`);
  lines.push(
    r.ping.ready
      ? `ready: /_ping answered OK in ${r.ping.ms} ms${r.ping.apiVersion ? ` (API ${r.ping.apiVersion})` : ''}` +
          (r.address ? ` (dialled ${r.address}, found over mDNS)` : '') +
          (r.waited?.ms ? ` after waiting ${Math.round(r.waited.ms / 1000)} s` : '')
      : `NOT READY: ${r.waited?.timedOut ? waitedMessage(r) : r.ping.message}`,
  );
  return lines.join('\n');
}

function waitedMessage(r: ConnectResult): string {
  const message = r.ping.ready ? '' : r.ping.message;
  return (
    // The wait asked for: the last attempt may end a little before it (no attempt gets under a
    // second), and "waited 2 s" after --wait=3 would read as a wait cut short.
    `waited ${Math.round((r.waited?.limitMs ?? 0) / 1000)} s for ${r.host} to resolve and answer /_ping over TLS on port ${r.port}, ` +
    `and it did not: ${message}; is the device powered and on this network? (first boot takes 1–4 minutes)`
  );
}

/** An endpoint that does not answer (yet) is a failed check (exit 3); undefined when it answered. */
export function connectFailure(r: ConnectResult): CheckFailedError | undefined {
  if (r.ping.ready) return undefined;
  if (r.waited?.timedOut) return new CheckFailedError(waitedMessage(r));
  return new CheckFailedError(`${r.endpoint} is not ready: ${r.ping.message}`);
}
