/**
 * `armada connect <host>`: make a docker context for a device and report whether it answers.
 */
import type { ConnectResult } from '../connect/connect.js';
import { CheckFailedError } from '../errors.js';

export {
  connectHost as connect,
  type ConnectOptions,
  type ConnectResult,
} from '../connect/connect.js';

export function formatConnect(r: ConnectResult): string {
  const lines = [
    `${r.endpoint}  certificates: ${r.certPath} (${r.certSource === 'laptop' ? "this laptop's CA" : `device CA, from ${r.certSource}`})`,
  ];
  lines.push(
    r.context.created
      ? `docker context '${r.context.name}' ${r.context.replaced ? 'replaced' : 'created'}: docker --context ${r.context.name} ps   (or: docker context use ${r.context.name})`
      : `no docker context: ${r.context.reason}`,
  );
  lines.push(
    r.ping.ready
      ? `ready: /_ping answered OK in ${r.ping.ms} ms${r.ping.apiVersion ? ` (API ${r.ping.apiVersion})` : ''}`
      : `NOT READY: ${r.ping.message}`,
  );
  return lines.join('\n');
}

/** An endpoint that does not answer yet is a failed check (exit 3); undefined when it answered. */
export function connectFailure(r: ConnectResult): CheckFailedError | undefined {
  return r.ping.ready
    ? undefined
    : new CheckFailedError(`${r.endpoint} is not ready: ${r.ping.message}`);
}
