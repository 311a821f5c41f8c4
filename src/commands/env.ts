/**
 * `armada env <host>`: the DOCKER_* variables for eval, like `docker-machine env`.
 */
import { resolve } from 'node:path';
import { UserError } from '../errors.js';
import { laptopPaths } from '../tls/store.js';
import { bundleFor, checkHost } from '../tls/bundle.js';
import { log } from '../log.js';
import { contextHost, dockerEndpoint, resolveHostPort } from '../connect/endpoint.js';
import { dialTarget, type Resolvers } from '../connect/resolve.js';

export type EnvShell = 'sh' | 'fish' | 'powershell';

export interface EnvOptions {
  host: string;
  port?: number;
  shell?: EnvShell;
  resolvers?: Resolvers;
}

export interface DockerEnv {
  DOCKER_HOST: string;
  DOCKER_TLS_VERIFY: '1';
  DOCKER_CERT_PATH: string;
}

const quote: Record<EnvShell, (v: string) => string> = {
  sh: (v) => `'${v.replaceAll("'", `'\\''`)}'`,
  fish: (v) => `'${v.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`,
  powershell: (v) => `'${v.replaceAll("'", "''")}'`,
};

/** Pure: the lines to eval in `shell`, ending with how to use them. */
export function renderEnv(env: DockerEnv, shell: EnvShell, host: string): string {
  const set = (k: string, v: string) =>
    shell === 'fish'
      ? `set -gx ${k} ${quote.fish(v)};`
      : shell === 'powershell'
        ? `$Env:${k} = ${quote.powershell(v)}`
        : `export ${k}=${quote.sh(v)}`;
  const lines = [
    set('DOCKER_TLS_VERIFY', env.DOCKER_TLS_VERIFY),
    set('DOCKER_HOST', env.DOCKER_HOST),
    set('DOCKER_CERT_PATH', env.DOCKER_CERT_PATH),
  ];
  const usage =
    shell === 'fish'
      ? `# armada env --shell fish ${host} | source`
      : shell === 'powershell'
        ? `# & armada env --shell powershell ${host} | Invoke-Expression`
        : `# eval "$(armada env ${host})"`;
  return [...lines, '# Run this command to configure your shell:', usage].join('\n');
}

export async function dockerEnv(opts: EnvOptions): Promise<DockerEnv> {
  const target = resolveHostPort(opts.host, opts.port);
  checkHost(target.host);
  const dial = await dialTarget(target.host, opts.resolvers);
  const host = dial.name;
  // Nothing here proves the certificate covers the address, so DOCKER_HOST keeps the name.
  const inEnv = contextHost(dial, undefined);
  if (inEnv.note) log.warn(inEnv.note);
  const found = await bundleFor(await laptopPaths(), host);
  if (!found)
    throw new UserError(
      `no client certificate for ${host}; run 'armada connect ${host}' (with --from-card or --ssh for device-CA cards) or 'armada ca init'`,
    );
  return {
    DOCKER_HOST: dockerEndpoint(host, target.port),
    DOCKER_TLS_VERIFY: '1',
    // Absolute: the shell that evals this may be elsewhere, and a quoted '~' never expands.
    DOCKER_CERT_PATH: resolve(found.dir),
  };
}
