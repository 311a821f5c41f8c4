/**
 * The docker context `connect` makes: its name, the `docker context create` command, and
 * creating it through the docker CLI without taking over a context someone else made.
 */
import { UserError } from '../errors.js';
import { run, which, type Command } from '../exec.js';
import { bundlePaths } from '../config-dir.js';

export type ContextOutcome =
  /** `note`: what the user should know about the endpoint the context holds. */
  | { name: string; created: true; replaced: boolean; note?: string }
  | { name: string; created: false; reason: string };

/** What armada writes as the description: how a later run knows the context is its own. */
export const contextDescription = 'armada (mutual TLS)';

/** docker's own rule (cli/context/store): at least two characters. */
export const contextNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$/;

/** Pure: a valid docker context name for any host name or address. */
export function contextNameFor(host: string): string {
  const base = host.replace(/\.local$/i, '').replace(/[^A-Za-z0-9_.+-]/g, '-');
  return contextNamePattern.test(base) ? base : `armada-${base}`;
}

function contextCreateCommand(name: string, endpoint: string, certDir: string): Command {
  const b = bundlePaths(certDir);
  // Commas separate the --docker fields; a path with a comma is refused before this point.
  return [
    'docker',
    [
      'context',
      'create',
      name,
      '--description',
      contextDescription,
      '--docker',
      `host=${endpoint},ca=${b.ca},cert=${b.cert},key=${b.key}`,
    ],
  ];
}

/** Pure: the description of an existing context from `docker context inspect` output. */
export function contextDescriptionOf(inspectJson: string): string | undefined {
  try {
    const parsed = JSON.parse(inspectJson) as { Metadata?: { Description?: unknown } }[];
    const d = parsed[0]?.Metadata?.Description;
    return typeof d === 'string' ? d : undefined;
  } catch {
    return undefined;
  }
}

export async function dockerContext(
  name: string,
  endpoint: string,
  certDir: string,
  opts: { force?: boolean } = {},
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
  const inspect = await run(['docker', ['context', 'inspect', name]], {
    allowFailure: true,
    timeoutMs: 20_000,
  });
  const exists = inspect.exitCode === 0;
  if (exists && !opts.force && contextDescriptionOf(inspect.stdout) !== contextDescription)
    throw new UserError(
      `a docker context '${name}' exists and armada did not make it; choose another name with --name, or replace it with --force`,
    );
  if (exists) await run(['docker', ['context', 'rm', '--force', name]], { timeoutMs: 20_000 });
  await run(contextCreateCommand(name, endpoint, certDir), { timeoutMs: 20_000 });
  return { name, created: true, replaced: exists };
}
