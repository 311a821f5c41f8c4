/**
 * `armada env <host>`: the DOCKER_* variables for eval, like `docker-machine env`.
 */
import { UserError } from '../errors.js';
import { laptopPaths } from '../tls/store.js';
import { bundleFor, checkHost } from '../tls/bundle.js';
import { defaultPort } from '../connect/connect.js';

export type EnvShell = 'sh' | 'fish' | 'powershell';

export interface EnvOptions {
  host: string;
  port?: number;
  shell?: EnvShell;
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
  checkHost(opts.host);
  const port = opts.port ?? defaultPort;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new UserError(`--port ${port} is not a TCP port`);
  const found = await bundleFor(await laptopPaths(), opts.host);
  if (!found)
    throw new UserError(
      `no client certificate for ${opts.host}; run 'armada connect ${opts.host}' (with --from-card or --ssh for device-CA cards) or 'armada ca init'`,
    );
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    DOCKER_HOST: `tcp://${host}:${port}`,
    DOCKER_TLS_VERIFY: '1',
    DOCKER_CERT_PATH: found.dir,
  };
}
