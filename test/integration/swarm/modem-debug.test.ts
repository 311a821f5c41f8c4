/**
 * DEBUG=modem (or DEBUG=*) made docker-modem print every request's options to stderr, the
 * client's private key among them. `armada swarm ls` against a real mutual-TLS endpoint on
 * 127.0.0.1 (a server certificate from this laptop's CA, like dockerd's 2376): the call goes
 * through, and no key, nor any of docker-modem's debug lines, reaches stderr.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { configPaths } from '../../../src/config-dir.js';
import { issueServerCert, loadIssuer } from '../../../src/tls/certs.js';
import { readCa } from '../../../src/tls/store.js';
import { armada, buildCli } from '../../helpers/cli.js';
import { suiteTempDir } from '../../helpers/tmp.js';

const dir = await suiteTempDir('armada-modem-debug-');
const env = { ARMADA_CONFIG_DIR: join(dir, 'config'), DOCKER_CONFIG: join(dir, 'docker') };

describe('DEBUG never prints the client key', () => {
  let server: Server;
  let port: number;
  const seen: string[] = [];

  beforeAll(async () => {
    await buildCli();
    const init = await armada(['ca', 'init'], { env });
    expect(init.code, init.stderr).toBe(0);
    const ca = await readCa(configPaths(env.ARMADA_CONFIG_DIR));
    if (!ca) throw new Error('armada ca init made no CA');
    const cert = await issueServerCert(await loadIssuer(ca), 'pi-1');
    server = createServer(
      {
        cert: cert.certPem,
        key: cert.keyPem,
        ca: ca.certPem,
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        seen.push(req.url ?? '');
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ Swarm: { LocalNodeState: 'inactive' } }));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test.each(['modem', '*', 'modem,other:*'])('DEBUG=%s', async (debug) => {
    seen.length = 0;
    const r = await armada(['swarm', 'ls', `127.0.0.1:${port}`], { env: { ...env, DEBUG: debug } });
    // The endpoint answered over mutual TLS: the request (and so the debug line) happened.
    expect(seen).toEqual(['/info']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/127\.0\.0\.1:\d+ is not in a swarm/);
    expect(r.stderr).not.toContain('PRIVATE KEY');
    expect(r.stderr).not.toMatch(/\bmodem\b.*Sending/);
  });
});
