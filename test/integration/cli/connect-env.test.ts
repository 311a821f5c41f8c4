/**
 * `armada connect` when the endpoint does not answer: the failure on stderr, exit 3, nothing on
 * stdout; `armada env`: a DOCKER_CERT_PATH that works from any directory.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';
import { armada, buildCli } from '../../helpers/cli.js';
import { suiteTempDir } from '../../helpers/tmp.js';

await buildCli();
const dir = await suiteTempDir('armada-connect-env-');
const env = { ARMADA_CONFIG_DIR: join(dir, 'config'), DOCKER_CONFIG: join(dir, 'docker') };
const bin = new URL('../../../bin/armada.js', import.meta.url).pathname;

beforeAll(async () => {
  const ca = await armada(['ca', 'init'], { env });
  expect(ca.code, ca.stderr).toBe(0);
});

describe('connect to an endpoint that does not answer', () => {
  test('the report and the reason go to stderr; stdout stays empty; exit 3', async () => {
    const r = await armada(['connect', '127.0.0.1:1', '--timeout', '1'], { env });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^NOT READY: connection refused by 127\.0\.0\.1:1/m);
    expect(r.stderr).toMatch(/^no docker context: not made/m);
  });
});

describe('env', () => {
  test('DOCKER_CERT_PATH is absolute, also when the config dir was given relative', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [bin, 'env', '127.0.0.1', '--json'],
      { cwd: dir, env: { ...process.env, ...env, ARMADA_CONFIG_DIR: 'config' } },
    );
    expect(JSON.parse(stdout)).toMatchObject({
      DOCKER_CERT_PATH: join(dir, 'config', 'client'),
    });
  });

  test('sh output: the absolute path, quoted, no ~', async () => {
    const r = await armada(['env', '127.0.0.1'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`export DOCKER_CERT_PATH='${join(dir, 'config', 'client')}'\n`);
    expect(r.stdout).not.toContain('~');
  });
});
