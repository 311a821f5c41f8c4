/**
 * The CLI as people run it: `node bin/armada.js` (the tsc build in dist/, which
 * scripts/setup-host.sh keeps current), optionally as the unprivileged user `nobody`.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const bin = new URL('../../bin/armada.js', import.meta.url).pathname;
const root = new URL('../../', import.meta.url).pathname;
const exec = promisify(execFile);
let built: Promise<void> | undefined;

/**
 * dist/ made from this tree the way `npm run build` makes it (once per test file), for suites
 * that test an edit before the host set-up ran again. tsc still emits when another file has a
 * type error, so such an error does not stop the suite.
 */
export function buildCli(): Promise<void> {
  built ??= (async () => {
    await exec('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root }).catch(() => undefined);
    await exec('sh', ['scripts/copy-templates.sh'], { cwd: root });
  })();
  return built;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function armada(
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string; asNobody?: boolean } = {},
): Promise<CliResult> {
  const argv = [
    ...(opts.asNobody ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'] : []),
    process.execPath,
    bin,
    ...args,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      env: { ...process.env, CI: '1', NO_COLOR: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}
