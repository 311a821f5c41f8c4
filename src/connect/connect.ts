/**
 * Connecting to a device: find (or fetch) the client certificate for a host, make a docker
 * context for it, and check the endpoint answers `/_ping` over mutual TLS.
 */
import { throwIfInterrupted } from '../cleanup.js';
import { UsageError, UserError } from '../errors.js';
import { log } from '../log.js';
import { laptopPaths } from '../tls/store.js';
import {
  bundleFor,
  bundleProblems,
  checkHost,
  hostDir,
  writeBundle,
  type Bundle,
  type BundleSource,
} from '../tls/bundle.js';
import { pingDocker, type PingResult } from '../tls/ping.js';
import { bundleFromCard, bundleFromSsh } from './client-bundle.js';
import {
  contextNameFor,
  contextNamePattern,
  dockerContext,
  type ContextOutcome,
} from './docker-context.js';
import { contextHost, dockerEndpoint, resolveHostPort } from './endpoint.js';
import { dialCandidates, dialTarget, type DialTarget, type Resolvers } from './resolve.js';
import { untilReady, type Attempt } from './wait.js';

export { defaultPort } from './endpoint.js';

export interface ConnectOptions {
  /** A name or address, optionally with `:port` (`[v6]:port` for IPv6). */
  host: string;
  port?: number;
  /** Replace a docker context of that name that armada did not make. */
  force?: boolean;
  /** Name resolution (tests give their own; default: the system resolver, then mDNS for .local). */
  resolvers?: Resolvers;
  /** docker context name (default: the host without .local). */
  name?: string;
  /** Image or card whose FAT holds `armada/client/` (device-CA mode). */
  fromCard?: string;
  /** user@host to fetch ~/.docker/{ca,cert,key}.pem over SSH (device-CA mode). */
  ssh?: string;
  /** Per attempt: how long one /_ping may take (default 5 s). */
  timeoutMs?: number;
  /** Keep trying this long while the device does not resolve or answer yet (first boot). */
  waitMs?: number;
  /** Told about each retry while waiting. */
  onWait?: (elapsedMs: number, last: Attempt) => void;
}

export interface ConnectResult {
  host: string;
  port: number;
  /** The address dialled when armada resolved the name over mDNS itself. */
  address?: string;
  /** The docker endpoint the context holds. */
  endpoint: string;
  certSource: BundleSource | 'card' | 'ssh';
  certPath: string;
  context: ContextOutcome;
  ping: PingResult;
  /** With --wait: how long it waited, the wait asked for, and whether the wait ran out. */
  waited?: { ms: number; limitMs: number; timedOut: boolean };
}

const maxWaitMs = 3600_000;

export async function connectHost(opts: ConnectOptions): Promise<ConnectResult> {
  const target = resolveHostPort(opts.host, opts.port);
  checkHost(target.host);
  const port = target.port;
  if (opts.fromCard && opts.ssh) throw new UsageError('give either --from-card or --ssh, not both');
  const timeoutMs = opts.timeoutMs ?? 5000;
  if (!(timeoutMs > 0 && timeoutMs <= 600_000))
    throw new UsageError(
      `--timeout ${Number.isNaN(timeoutMs) ? 'is not a number' : `${timeoutMs / 1000} is out of range`}: give more than 0 and at most 600 seconds`,
    );
  const name = opts.name ?? contextNameFor(target.host);
  if (!contextNamePattern.test(name))
    throw new UsageError(
      `--name '${name}' is not a docker context name; use two or more letters, digits, '.', '_', '+', '-'`,
    );
  const waitMs = opts.waitMs;
  if (waitMs !== undefined && !(waitMs >= 0 && waitMs <= maxWaitMs))
    throw new UsageError(
      `--wait ${Number.isNaN(waitMs) ? 'is not a number of seconds' : `${waitMs / 1000} is out of range`}: give --wait=SECONDS (0 to ${maxWaitMs / 1000}), or --wait alone`,
    );
  const first = await dialTarget(target.host, opts.resolvers);
  const host = first.name;
  if (host !== target.host) log.info(`${target.host} does not resolve; using ${host} (mDNS)`);
  if (first.address) log.info(`${host} resolved over mDNS by armada: ${first.address}`);

  const paths = await laptopPaths();
  let certSource: ConnectResult['certSource'];
  let certPath: string;
  let bundle: Bundle;
  if (opts.fromCard || opts.ssh) {
    bundle = opts.fromCard
      ? await bundleFromCard(opts.fromCard, paths)
      : await bundleFromSsh(opts.ssh!, paths);
    const problems = bundleProblems(bundle);
    if (problems.length)
      throw new UserError(`the fetched client bundle is not usable: ${problems.join('; ')}`);
    certPath = hostDir(paths, host);
    await writeBundle(certPath, bundle);
    certSource = opts.fromCard ? 'card' : 'ssh';
    log.info(`stored the client bundle for ${host} in ${certPath}`);
  } else {
    const found = await bundleFor(paths, host);
    if (!found)
      throw new UserError(
        `no client certificate for ${host}: cards seeded by 'armada flash/configure' trust this laptop's CA ('armada ca init' makes it); ` +
          `for a device-CA card fetch its bundle with --from-card <card> or --ssh <user>@${host}`,
      );
    const problems = bundleProblems(found.bundle);
    if (problems.length)
      throw new UserError(
        `the client bundle in ${found.dir} is not usable: ${problems.join('; ')}; run 'armada ca init' or fetch it again`,
      );
    ({ bundle, dir: certPath, source: certSource } = found);
  }

  let dial: DialTarget | undefined = first;
  const attempt = async (remainingMs: number): Promise<Attempt> => {
    throwIfInterrupted();
    const target =
      dial ??
      (await dialTarget(host, {
        mdnsTimeoutMs: Math.min(2000, remainingMs),
        ...opts.resolvers,
      }));
    dial = undefined;
    const ping = await pingDocker({
      host: target.name,
      ...(target.address ? { address: target.address } : {}),
      port,
      ...bundle,
      timeoutMs: Math.min(timeoutMs, remainingMs),
    });
    return { target, ping };
  };
  const waited = waitMs
    ? await untilReady(attempt, { waitMs, ...(opts.onWait ? { onRetry: opts.onWait } : {}) })
    : undefined;
  const last = waited ? waited.last : await attempt(timeoutMs);
  let ping = last.ping;
  const tried = dialCandidates(target.host);
  if (!ping.ready && ping.reason === 'dns' && tried.length > 1)
    ping = {
      ...ping,
      message: `cannot resolve ${tried.join(' nor ')} (not through this machine's resolver, nor over mDNS: same network? still booting?); or connect by address with --san on the card`,
    };
  const address = last.target.address;
  const inContext = contextHost(last.target, ping.ready ? ping.addressInCertificate : undefined);
  const endpoint = dockerEndpoint(inContext.host, port);
  // A context only for an endpoint that answered: no contexts left behind for typos.
  const context: ContextOutcome = ping.ready
    ? {
        ...(await dockerContext(name, endpoint, certPath, { force: Boolean(opts.force) })),
        ...(inContext.note ? { note: inContext.note } : {}),
      }
    : {
        name,
        created: false,
        reason: `not made, because ${host}:${port} did not answer; run 'armada connect ${opts.host}' again once it does`,
      };
  return {
    host,
    port,
    ...(address ? { address } : {}),
    endpoint,
    certSource,
    certPath,
    context,
    ping,
    ...(waited
      ? { waited: { ms: waited.waitedMs, limitMs: waitMs ?? 0, timedOut: waited.timedOut } }
      : {}),
  };
}
