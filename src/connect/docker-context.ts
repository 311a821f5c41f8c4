/**
 * The docker context `connect` makes: its name, the `docker context create` command, and
 * creating it through the docker CLI.
 */
import { run, which, type Command } from '../exec.js';
import { bundlePaths } from '../config-dir.js';

export type ContextOutcome =
  | { name: string; created: true; replaced: boolean }
  | { name: string; created: false; reason: string };

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

export async function dockerContext(
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
