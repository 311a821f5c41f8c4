/**
 * Connecting to a device: find (or fetch) the client certificate for a host, make a docker
 * context for it, and check the endpoint answers `/_ping` over mutual TLS.
 */
import { UserError } from '../errors.js';
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
import { contextNameFor, dockerContext, type ContextOutcome } from './docker-context.js';

export const defaultPort = 2376;

export interface ConnectOptions {
  host: string;
  port?: number;
  /** docker context name (default: the host without .local). */
  name?: string;
  /** Image or card whose FAT holds `armada/client/` (device-CA mode). */
  fromCard?: string;
  /** user@host to fetch ~/.docker/{ca,cert,key}.pem over SSH (device-CA mode). */
  ssh?: string;
  timeoutMs?: number;
}

export interface ConnectResult {
  host: string;
  port: number;
  endpoint: string;
  certSource: BundleSource | 'card' | 'ssh';
  certPath: string;
  context: ContextOutcome;
  ping: PingResult;
}

export async function connectHost(opts: ConnectOptions): Promise<ConnectResult> {
  checkHost(opts.host);
  const port = opts.port ?? defaultPort;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new UserError(`--port ${port} is not a TCP port; Docker's TLS port is 2376`);
  if (opts.fromCard && opts.ssh) throw new UserError('give either --from-card or --ssh, not both');
  const name = opts.name ?? contextNameFor(opts.host);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/.test(name))
    throw new UserError(
      `--name '${name}' is not a docker context name; use letters, digits, '.', '_', '+', '-'`,
    );

  const paths = await laptopPaths();
  let certSource: ConnectResult['certSource'];
  let certPath: string;
  let bundle: Bundle;
  if (opts.fromCard || opts.ssh) {
    bundle = opts.fromCard ? await bundleFromCard(opts.fromCard) : await bundleFromSsh(opts.ssh!);
    const problems = bundleProblems(bundle);
    if (problems.length)
      throw new UserError(`the fetched client bundle is not usable: ${problems.join('; ')}`);
    certPath = hostDir(paths, opts.host);
    await writeBundle(certPath, bundle);
    certSource = opts.fromCard ? 'card' : 'ssh';
    log.info(`stored the client bundle for ${opts.host} in ${certPath}`);
  } else {
    const found = await bundleFor(paths, opts.host);
    if (!found)
      throw new UserError(
        `no client certificate for ${opts.host}: cards seeded by 'armada flash/configure' trust this laptop's CA ('armada ca init' makes it); ` +
          `for a device-CA card fetch its bundle with --from-card <card> or --ssh <user>@${opts.host}`,
      );
    const problems = bundleProblems(found.bundle);
    if (problems.length)
      throw new UserError(
        `the client bundle in ${found.dir} is not usable: ${problems.join('; ')}; run 'armada ca init' or fetch it again`,
      );
    ({ bundle, dir: certPath, source: certSource } = found);
  }

  const endpoint = `tcp://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  const context = await dockerContext(name, endpoint, certPath);
  const ping = await pingDocker({
    host: opts.host,
    port,
    ...bundle,
    timeoutMs: opts.timeoutMs ?? 5000,
  });
  return { host: opts.host, port, endpoint, certSource, certPath, context, ping };
}
