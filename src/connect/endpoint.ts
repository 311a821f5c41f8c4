/**
 * Pure: what the user typed as a host — `pi-1.local`, `pi-1.local:2376`, `192.168.1.5:2376`,
 * `[fe80::1]:2376`, a bare IPv6 literal, or `tcp://host:port` copied from DOCKER_HOST — split
 * into a host and a port, and the docker endpoint URL built back from them.
 */
import { isIPv6 } from 'node:net';
import { UsageError } from '../errors.js';
import type { DialTarget } from './resolve.js';

export const defaultPort = 2376;

export interface HostPort {
  host: string;
  port?: number;
}

function portOf(text: string, input: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535))
    throw new UsageError(
      `'${input}': port '${text}' is not a TCP port (1–65535); Docker's TLS port is 2376`,
    );
  return port;
}

export function parseHostPort(input: string): HostPort {
  const text = input
    .trim()
    .replace(/^tcp:\/\//i, '')
    .replace(/\/+$/, '');
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed)
    return {
      host: bracketed[1],
      ...(bracketed[2] !== undefined ? { port: portOf(bracketed[2], input) } : {}),
    };
  // Two or more colons: an IPv6 literal without a port (a port needs the brackets).
  if (isIPv6(text) || (text.match(/:/g) ?? []).length > 1) return { host: text };
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { host: text };
  return { host: text.slice(0, colon), port: portOf(text.slice(colon + 1), input) };
}

/** The port from `host:port` and from --port must agree; either alone is fine. */
export function resolveHostPort(input: string, portFlag?: number): { host: string; port: number } {
  const parsed = parseHostPort(input);
  if (portFlag !== undefined && !(Number.isInteger(portFlag) && portFlag >= 1 && portFlag <= 65535))
    throw new UsageError(
      `--port ${portFlag} is not a TCP port (1–65535); Docker's TLS port is 2376`,
    );
  if (parsed.port !== undefined && portFlag !== undefined && parsed.port !== portFlag)
    throw new UsageError(
      `'${input}' says port ${parsed.port} but --port says ${portFlag}; give the port once`,
    );
  return { host: parsed.host, port: parsed.port ?? portFlag ?? defaultPort };
}

export function dockerEndpoint(host: string, port: number): string {
  return `tcp://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Pure: the host a docker context (or DOCKER_HOST) holds. The docker CLI checks the device's
 * certificate against this host and resolves it with the system resolver, and it has no
 * separate TLS server name. So a name armada had to resolve over mDNS itself goes in as its
 * address only when the certificate covers that address (seeded with --san <address>);
 * otherwise the context keeps the name, which works once this machine resolves `.local`.
 */
export function contextHost(
  dial: DialTarget,
  addressInCertificate: boolean | undefined,
): { host: string; note?: string } {
  if (!dial.address) return { host: dial.name };
  if (addressInCertificate)
    return {
      host: dial.address,
      note:
        `this machine's resolver cannot resolve ${dial.name}, so the context holds its address ${dial.address} ` +
        `(the device's certificate covers it); run 'armada connect ${dial.name}' again if the address changes`,
    };
  return {
    host: dial.name,
    note:
      `docker cannot resolve ${dial.name} on this machine (armada found ${dial.address} over mDNS itself): ` +
      `install avahi-daemon and libnss-mdns, or add '${dial.address} ${dial.name}' to /etc/hosts; ` +
      `or seed the card with --san ${dial.address} and connect again to put the address in the context`,
  };
}
