/**
 * One armada host's Engine API over mutual TLS, through dockerode, with the client certificate
 * `armada connect` uses for it (its own device-CA bundle, else this laptop's). Every call is
 * bounded and its failure becomes a UserError naming the fix (explain.ts).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import type Docker from 'dockerode';
import { UserError } from '../errors.js';
import { resolveHostPort } from '../connect/endpoint.js';
import { dialTarget } from '../connect/resolve.js';
import { bundleFor, bundleProblems, checkHost } from '../tls/bundle.js';
import { laptopPaths } from '../tls/store.js';
import { explainSwarmError, type ApiErrorLike } from './explain.js';
import { loadDockerode } from './dockerode.js';

export interface SwarmHost {
  /** As the user named it (`pi-1.local`, `127.0.0.1:40123`): how results refer to it. */
  name: string;
  /** The name or address dialled. */
  host: string;
  port: number;
  /** What the host's name resolves to from here (the advertise-address candidates). */
  addresses: string[];
  api: Docker;
  /** Runs one API call, its failure explained as "<doing>: <reason and fix>". */
  call<T>(doing: string, fn: (api: Docker) => Promise<T>): Promise<T>;
}

/** Bounded: a join waits for the manager's certificate; other calls answer in seconds. */
const callTimeoutMs = 90_000;
const connectTimeoutMs = 15_000;

export interface OpenOptions {
  /** Dial this address (e.g. one mDNS announced) but check the certificate against the name. */
  address?: string;
  /** Per call (default 90 s: a join waits for the manager). */
  timeoutMs?: number;
}

export async function openHost(name: string, opts: OpenOptions = {}): Promise<SwarmHost> {
  const target = resolveHostPort(name);
  checkHost(target.host);
  const dial = opts.address ? { name: target.host } : await dialTarget(target.host);
  const host = dial.name;
  // An address armada resolved over mDNS itself is dialled; the certificate is checked by name.
  const address = opts.address ?? dial.address;
  const paths = await laptopPaths();
  const found = await bundleFor(paths, host);
  if (!found)
    throw new UserError(
      `no client certificate for ${host}: run 'armada ca init' (laptop-CA cards) or 'armada connect ${host} --ssh <user>@${host}' (device-CA cards) first`,
    );
  const problems = bundleProblems(found.bundle);
  if (problems.length)
    throw new UserError(
      `the client bundle in ${found.dir} is not usable: ${problems.join('; ')}; run 'armada ca init' or fetch it again`,
    );
  const addresses = address
    ? [address]
    : isIP(host)
      ? [host]
      : await lookup(host, { all: true }).then(
          (all) => all.map((a) => a.address),
          () => [],
        );
  const Dockerode = await loadDockerode();
  const api = new Dockerode({
    host: address ?? host,
    port: target.port,
    protocol: 'https',
    ca: found.bundle.ca,
    cert: found.bundle.cert,
    key: found.bundle.key,
    // Explicit, so a DOCKER_HOST or DOCKER_CERT_PATH in the environment cannot redirect a call.
    pathPrefix: '/',
    timeout: opts.timeoutMs ?? callTimeoutMs,
    connectionTimeout: Math.min(opts.timeoutMs ?? connectTimeoutMs, connectTimeoutMs),
    ...(address
      ? {
          checkServerIdentity: (_: string, cert: PeerCertificate) =>
            checkServerIdentity(host, cert),
        }
      : {}),
  });
  const call = async <T>(doing: string, fn: (d: Docker) => Promise<T>): Promise<T> => {
    try {
      return await fn(api);
    } catch (error) {
      if (error instanceof UserError) throw error;
      const e = (error ?? {}) as ApiErrorLike;
      // docker-modem reports its own timeouts as a destroyed socket.
      const timedOut = /socket hang up|ECONNRESET/.test(e.message ?? '') && !e.statusCode;
      throw new UserError(
        explainSwarmError(timedOut ? { ...e, code: 'ARMADA_TIMEOUT' } : e, {
          host: name,
          dialled: address ?? host,
          port: target.port,
          doing,
        }),
      );
    }
  };
  return { name, host, port: target.port, addresses, api, call };
}
