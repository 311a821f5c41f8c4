/**
 * `armada connect <host>`: find (or fetch) the client certificate for a host, make a docker
 * context for it, and check the endpoint answers `/_ping` over mutual TLS.
 */
import { UserError } from '../errors.js';
import { log } from '../log.js';
import { run, which, type Command } from '../exec.js';
import { bundlePaths } from '../config-dir.js';
import { readFat } from '../image/fat.js';
import { seedVolume } from '../seed/write.js';
import { laptopPaths } from '../tls/store.js';
import {
  bundleFor,
  bundleProblems,
  checkHost,
  hostDir,
  splitBundle,
  writeBundle,
  type Bundle,
  type BundleSource,
} from '../tls/bundle.js';
import { pingDocker, type PingResult } from '../tls/ping.js';

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

export type ContextOutcome =
  | { name: string; created: true; replaced: boolean }
  | { name: string; created: false; reason: string };

export interface ConnectResult {
  host: string;
  port: number;
  endpoint: string;
  certSource: BundleSource | 'card' | 'ssh';
  certPath: string;
  context: ContextOutcome;
  ping: PingResult;
}

/** Pure: docker context names allow [a-zA-Z0-9][a-zA-Z0-9_.+-]*. */
export function contextNameFor(host: string): string {
  const base = host.replace(/\.local$/i, '').replace(/[^A-Za-z0-9_.+-]/g, '-');
  return /^[A-Za-z0-9]/.test(base) ? base : `armada-${base}`;
}

export function contextCreateCommand(name: string, endpoint: string, certDir: string): Command {
  const b = bundlePaths(certDir);
  // Commas separate the --docker fields; a path with a comma is refused before this point.
  return [
    'docker',
    [
      'context',
      'create',
      name,
      '--description',
      'armada (mutual TLS)',
      '--docker',
      `host=${endpoint},ca=${b.ca},cert=${b.cert},key=${b.key}`,
    ],
  ];
}

async function fromCard(target: string): Promise<Bundle> {
  const v = await seedVolume(target);
  const read = async (name: string) =>
    (await readFat(v, `/armada/client/${name}`))?.toString('utf8');
  const [ca, cert, key] = [await read('ca.pem'), await read('cert.pem'), await read('key.pem')];
  if (!ca || !cert || !key) {
    throw new UserError(
      `${target} has no armada/client/ bundle; it is written by first boot in device-CA mode (boot the card once), ` +
        `or the card was seeded in laptop-CA mode (then just run 'armada connect <host>')`,
    );
  }
  return { ca, cert, key };
}

export function sshFetchCommand(userAtHost: string): Command {
  return [
    'ssh',
    [
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=10',
      '--',
      userAtHost,
      'cat ~/.docker/ca.pem ~/.docker/cert.pem ~/.docker/key.pem',
    ],
  ];
}

async function fromSsh(userAtHost: string): Promise<Bundle> {
  if (!/^[A-Za-z0-9._-]+@[A-Za-z0-9.:-]+$/.test(userAtHost))
    throw new UserError(`--ssh '${userAtHost}' is not user@host; give e.g. --ssh pi@pi-1.local`);
  const r = await run(sshFetchCommand(userAtHost), { allowFailure: true, timeoutMs: 30_000 });
  if (r.exitCode !== 0)
    throw new UserError(
      `could not fetch the client bundle over SSH from ${userAtHost}: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.exitCode}`}; check the SSH login, or use --from-card`,
    );
  const bundle = splitBundle(r.stdout);
  if (!bundle)
    throw new UserError(
      `${userAtHost}: ~/.docker/{ca,cert,key}.pem did not hold a CA, a certificate and a key; has first boot finished?`,
    );
  return bundle;
}

async function dockerContext(
  name: string,
  endpoint: string,
  certDir: string,
): Promise<ContextOutcome> {
  if (!(await which('docker')))
    return {
      name,
      created: false,
      reason: 'the docker CLI is not installed; use `eval "$(armada env <host>)"` instead',
    };
  if (certDir.includes(',') || certDir.includes('='))
    return {
      name,
      created: false,
      reason: `the certificate path ${certDir} contains ',' or '='; use armada env instead`,
    };
  const exists =
    (await run(['docker', ['context', 'inspect', name]], { allowFailure: true, timeoutMs: 20_000 }))
      .exitCode === 0;
  if (exists) await run(['docker', ['context', 'rm', '--force', name]], { timeoutMs: 20_000 });
  await run(contextCreateCommand(name, endpoint, certDir), { timeoutMs: 20_000 });
  return { name, created: true, replaced: exists };
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
    bundle = opts.fromCard ? await fromCard(opts.fromCard) : await fromSsh(opts.ssh!);
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
