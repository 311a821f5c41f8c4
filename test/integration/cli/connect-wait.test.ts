/**
 * `armada connect --wait`: a device on its first boot answers only after a while. A local TLS
 * endpoint that starts listening late stands in for it (no QEMU); the CLI, built from this tree,
 * waits with progress on stderr, and names what it waited for when the wait runs out (exit 3).
 */
import { createServer, type Server } from 'node:https';
import { createServer as createTcp, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { configPaths } from '../../../src/config-dir.js';
import { issueServerCert, loadIssuer } from '../../../src/tls/certs.js';
import { readCa } from '../../../src/tls/store.js';
import { armada, buildCli } from '../../helpers/cli.js';
import { suiteTempDir } from '../../helpers/tmp.js';

await buildCli();
const dir = await suiteTempDir('armada-connect-wait-');
const env = { ARMADA_CONFIG_DIR: join(dir, 'config'), DOCKER_CONFIG: join(dir, 'docker') };
const servers: Server[] = [];

async function freePort(): Promise<number> {
  const s = createTcp();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** dockerd's TLS port in miniature, listening on `port` from now on. */
async function answerOn(port: number): Promise<void> {
  const ca = (await readCa(configPaths(env.ARMADA_CONFIG_DIR)))!;
  const cert = await issueServerCert(await loadIssuer(ca), 'pi-late');
  const s = createServer(
    { cert: cert.certPem, key: cert.keyPem, ca: ca.certPem, requestCert: true },
    (req, res) => res.end(req.url === '/_ping' ? 'OK' : ''),
  );
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(port, '127.0.0.1', resolve));
}

beforeAll(async () => {
  const ca = await armada(['ca', 'init'], { env });
  expect(ca.code, ca.stderr).toBe(0);
});
afterAll(async () => {
  for (const s of servers) await new Promise((resolve) => s.close(resolve));
});

describe('connect --wait', () => {
  test('waits for an endpoint that answers late, with progress on stderr', async () => {
    const port = await freePort();
    const late = new Promise((resolve) => setTimeout(resolve, 4000)).then(() => answerOn(port));
    const r = await armada(['connect', `127.0.0.1:${port}`, '--wait=60', '--json'], { env });
    await late;
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { ok: boolean; waited: { ms: number; timedOut: boolean } };
    expect(out).toMatchObject({ ok: true, ping: { ready: true }, waited: { timedOut: false } });
    expect(out.waited.ms).toBeGreaterThanOrEqual(3000);
    expect(r.stderr).toMatch(
      /^waiting for 127\.0\.0\.1:\d+ \(\d+ s of 60 s\): connection refused/m,
    );
  }, 60_000);

  test('a wait that runs out names what it waited for; exit 3', async () => {
    const port = await freePort();
    const started = Date.now();
    const r = await armada(['connect', `127.0.0.1:${port}`, '--wait=3'], { env });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^NOT READY: waited 3 s for 127\.0\.0\.1 to resolve and answer \/_ping over TLS on port \d+, and it did not: connection refused/m,
    );
  }, 30_000);

  test('--wait takes seconds; anything else is a usage error (exit 2)', async () => {
    const r = await armada(['connect', '127.0.0.1:1', '--wait=soon'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--wait is not a number of seconds: give --wait=SECONDS/);
  });
});
