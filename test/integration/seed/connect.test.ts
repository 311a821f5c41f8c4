/**
 * connect / env against a real local TLS endpoint: a node https server on 127.0.0.1 with a
 * server certificate from the CA, `requestCert` + `rejectUnauthorized`, answering /_ping like
 * dockerd's TLS port (the real dockerd is exercised by the QEMU e2e). The docker CLI, when
 * present, gets a context and talks to the same server (Go's TLS stack, our PKCS#8 keys).
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttps, type Server } from 'node:https';
import { createServer as createHttp } from 'node:http';
import { createServer as createTcp, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectHost } from '../../../src/connect/connect.js';
import { dockerEnv, renderEnv } from '../../../src/commands/env.js';
import {
  createCa,
  issueClientCert,
  issueServerCert,
  loadIssuer,
  type PemPair,
} from '../../../src/tls/certs.js';
import { initCa, laptopPaths } from '../../../src/tls/store.js';
import { hostDir, writeBundle } from '../../../src/tls/bundle.js';
import { writeFat } from '../../../src/image/fat.js';
import { UsageError } from '../../../src/errors.js';
import { suiteTempDir } from '../../helpers/tmp.js';

const execFileAsync = promisify(execFile);
const saved = { ...process.env };
// At module level: suiteTempDir's afterAll is ignored when registered from inside a hook.
const dir = await suiteTempDir('armada-connect-');
const servers: Server[] = [];
const hasDocker = (() => {
  try {
    execFileSync('docker', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** dockerd's TLS port in miniature: mutual TLS, /_ping, and enough of /version for the docker CLI. */
async function dockerLike(server: PemPair, caPem: string): Promise<number> {
  const s = createHttps(
    {
      cert: server.certPem,
      key: server.keyPem,
      ca: caPem,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      res.setHeader('Api-Version', '1.41');
      if (req.url === '/_ping') return res.end(req.method === 'HEAD' ? undefined : 'OK');
      if (/^\/v[\d.]+\/version$/.test(req.url ?? '')) {
        res.setHeader('Content-Type', 'application/json');
        return res.end(
          JSON.stringify({
            Version: 'armada-test',
            ApiVersion: '1.41',
            MinAPIVersion: '1.12',
            Os: 'linux',
            Arch: 'arm64',
            Components: [],
          }),
        );
      }
      res.statusCode = 404;
      res.end('{"message":"not here"}');
    },
  );
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return (s.address() as AddressInfo).port;
}

beforeAll(() => {
  process.env.ARMADA_CONFIG_DIR = join(dir, 'config');
  process.env.DOCKER_CONFIG = join(dir, 'docker'); // never touch the real ~/.docker
});
afterAll(async () => {
  for (const s of servers) await new Promise((resolve) => s.close(resolve));
  process.env = saved;
});

describe('armada connect and env, laptop-CA mode', () => {
  let port: number;
  let laptopCa: PemPair;
  beforeAll(async () => {
    await initCa();
    const paths = await laptopPaths();
    const { readCa } = await import('../../../src/tls/store.js');
    laptopCa = (await readCa(paths))!;
    port = await dockerLike(
      await issueServerCert(await loadIssuer(laptopCa), 'pi-1'),
      laptopCa.certPem,
    );
  });

  test('ready over mutual TLS; a docker context is created, then replaced', async () => {
    const r = await connectHost({ host: '127.0.0.1', port, name: 'armada-test', timeoutMs: 5000 });
    expect(r.ping).toMatchObject({ ready: true, apiVersion: '1.41' });
    expect(r).toMatchObject({ certSource: 'laptop', endpoint: `tcp://127.0.0.1:${port}` });
    if (!hasDocker) return expect(r.context.created).toBe(false);
    expect(r.context).toEqual({ name: 'armada-test', created: true, replaced: false });
    const inspect = JSON.parse(
      execFileSync('docker', ['context', 'inspect', 'armada-test'], { encoding: 'utf8' }),
    ) as {
      Endpoints: { docker: { Host: string; SkipTLSVerify: boolean } };
      TLSMaterial: { docker: string[] };
    }[];
    expect(inspect[0].Endpoints.docker).toEqual({
      Host: `tcp://127.0.0.1:${port}`,
      SkipTLSVerify: false,
    });
    expect(inspect[0].TLSMaterial.docker.sort()).toEqual(['ca.pem', 'cert.pem', 'key.pem']);
    expect(
      (await connectHost({ host: '127.0.0.1', port, name: 'armada-test' })).context,
    ).toMatchObject({ created: true, replaced: true });
  });

  test.skipIf(!hasDocker)(
    "the docker CLI (Go TLS) talks to the endpoint with the context's certificates",
    async () => {
      // Async: the server lives in this process, so a synchronous spawn would starve it.
      const { stdout } = await execFileAsync(
        'docker',
        ['--context', 'armada-test', 'version', '--format', '{{.Server.Version}}'],
        { timeout: 20_000 },
      );
      expect(stdout.trim()).toBe('armada-test');
    },
  );

  test('env prints what eval needs, in sh, fish and PowerShell', async () => {
    const env = await dockerEnv({ host: '127.0.0.1', port });
    expect(env).toEqual({
      DOCKER_HOST: `tcp://127.0.0.1:${port}`,
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: join(dir, 'config', 'client'),
    });
    const sh = renderEnv(env, 'sh', '127.0.0.1');
    const evaluated = execFileSync(
      'sh',
      [
        '-c',
        `eval "$1"; printf '%s|%s|%s' "$DOCKER_HOST" "$DOCKER_TLS_VERIFY" "$DOCKER_CERT_PATH"`,
        'sh',
        sh,
      ],
      { encoding: 'utf8' },
    );
    expect(evaluated).toBe(`tcp://127.0.0.1:${port}|1|${env.DOCKER_CERT_PATH}`);
    expect(renderEnv({ ...env, DOCKER_CERT_PATH: "/it's" }, 'fish', 'h')).toContain(
      "set -gx DOCKER_CERT_PATH '/it\\'s';",
    );
    expect(renderEnv({ ...env, DOCKER_CERT_PATH: "/it's" }, 'powershell', 'h')).toContain(
      "$Env:DOCKER_CERT_PATH = '/it''s'",
    );
  });

  test('a client certificate from another CA is refused by the server', async () => {
    const other = await createCa('another laptop');
    const stranger = await issueClientCert(await loadIssuer(other), 'stranger');
    const paths = await laptopPaths();
    await writeBundle(hostDir(paths, '127.0.0.1'), {
      ca: laptopCa.certPem,
      cert: stranger.certPem,
      key: stranger.keyPem,
    });
    // bundleProblems catches the mismatch before any connection is tried...
    await expect(connectHost({ host: '127.0.0.1', port })).rejects.toThrow(/not signed by ca\.pem/);
    // ...and when the local files are self-consistent but the device has another CA, the TLS alert is explained.
    await writeBundle(hostDir(paths, '127.0.0.1'), {
      ca: laptopCa.certPem + other.certPem,
      cert: stranger.certPem,
      key: stranger.keyPem,
    });
    const { pingDocker } = await import('../../../src/tls/ping.js');
    const r = await pingDocker({
      host: '127.0.0.1',
      port,
      ca: laptopCa.certPem,
      cert: stranger.certPem,
      key: stranger.keyPem,
      timeoutMs: 5000,
    });
    expect(r).toMatchObject({ ready: false, reason: 'tls' });
    if (!r.ready)
      expect(r.message).toMatch(
        /rejected this laptop's client certificate|closed the connection during TLS/,
      );
    execFileSync('rm', ['-rf', hostDir(paths, '127.0.0.1')]);
  });

  test('a server certificate from another CA: TLS failure with the reason', async () => {
    const other = await createCa('rogue');
    const rogue = await dockerLike(
      await issueServerCert(await loadIssuer(other), 'pi-1'),
      laptopCa.certPem,
    );
    const r = await connectHost({ host: '127.0.0.1', port: rogue, name: 'armada-rogue' });
    expect(r.ping).toMatchObject({
      ready: false,
      reason: 'tls',
      message: expect.stringMatching(/not signed by the CA/),
    });
  });

  test('host:port is a host and a port; the context is named after the host', async () => {
    const r = await connectHost({ host: `127.0.0.1:${port}` });
    expect(r).toMatchObject({ host: '127.0.0.1', port, endpoint: `tcp://127.0.0.1:${port}` });
    expect(r.ping.ready).toBe(true);
    if (hasDocker) expect(r.context).toMatchObject({ name: '127.0.0.1', created: true });
    const env = await dockerEnv({ host: `localhost:${port}` });
    expect(env.DOCKER_HOST).toBe(`tcp://localhost:${port}`);
    expect((await dockerEnv({ host: '[::1]:2400' })).DOCKER_HOST).toBe('tcp://[::1]:2400');
  });

  test.skipIf(!hasDocker)(
    'a context armada did not make is kept unless --force; a one-letter host gets a valid name',
    async () => {
      execFileSync('docker', ['context', 'create', 'mine', '--docker', 'host=tcp://10.9.9.9:1']);
      await expect(connectHost({ host: '127.0.0.1', port, name: 'mine' })).rejects.toThrow(
        /armada did not make it.*--force/,
      );
      const inspect = (n: string) =>
        JSON.parse(execFileSync('docker', ['context', 'inspect', n], { encoding: 'utf8' })) as {
          Endpoints: { docker: { Host: string } };
        }[];
      expect(inspect('mine')[0].Endpoints.docker.Host).toBe('tcp://10.9.9.9:1');
      const forced = await connectHost({ host: '127.0.0.1', port, name: 'mine', force: true });
      expect(forced.context).toMatchObject({ created: true, replaced: true });
      expect(inspect('mine')[0].Endpoints.docker.Host).toBe(`tcp://127.0.0.1:${port}`);
      // 'x' alone is not a docker context name (two characters at least).
      const x = await connectHost({
        host: 'x.local',
        port,
        lookup: () => Promise.resolve({}),
        timeoutMs: 300,
      });
      expect(x.context).toMatchObject({ name: 'armada-x', created: false });
    },
  );

  test('a port that does not speak TLS is named as such, no OpenSSL text', async () => {
    const plain = createHttp((_req, res) => res.end('hello'));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const r = await connectHost({
      host: '127.0.0.1',
      port: (plain.address() as AddressInfo).port,
      name: 'armada-plain',
    });
    plain.close();
    expect(r.ping).toMatchObject({ ready: false, reason: 'tls' });
    if (!r.ping.ready) {
      expect(r.ping.message).toMatch(/does not speak TLS/);
      expect(r.ping.message).not.toMatch(/SSL routines/);
    }
  });

  test('refused and timeout are told apart', async () => {
    const closed = createTcp();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(
      (await connectHost({ host: '127.0.0.1', port: closedPort, name: 'armada-closed' })).ping,
    ).toMatchObject({ ready: false, reason: 'refused' });
    // No context is left behind for an endpoint that never answered.
    if (hasDocker)
      expect(() =>
        execFileSync('docker', ['context', 'inspect', 'armada-closed'], { stdio: 'ignore' }),
      ).toThrow();

    const silent = createTcp(() => undefined); // accepts, never speaks TLS
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const started = Date.now();
    const r = await connectHost({
      host: '127.0.0.1',
      port: (silent.address() as AddressInfo).port,
      name: 'armada-silent',
      timeoutMs: 400,
    });
    silent.close();
    expect(r.ping).toMatchObject({ ready: false, reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  test('a bare name that resolves neither as given nor with .local says both', async () => {
    const r = await connectHost({
      host: 'armada-nosuchhost',
      port,
      lookup: () => Promise.reject(new Error('ENOTFOUND')),
      timeoutMs: 3000,
    });
    expect(r.ping).toMatchObject({ ready: false, reason: 'dns' });
    if (!r.ping.ready)
      expect(r.ping.message).toMatch(/armada-nosuchhost nor armada-nosuchhost\.local .*mDNS/);
  });

  test('bad input is refused with the fix', async () => {
    await expect(connectHost({ host: 'pi/x' })).rejects.toThrow(UsageError);
    await expect(connectHost({ host: 'pi', port: 70000 })).rejects.toThrow(UsageError);
    await expect(connectHost({ host: 'pi:2400', port: 2376 })).rejects.toThrow(
      /give the port once/,
    );
    await expect(connectHost({ host: 'pi', fromCard: 'x', ssh: 'a@b' })).rejects.toThrow(/either/);
    await expect(connectHost({ host: 'pi', ssh: '-oProxyCommand=evil' })).rejects.toThrow(
      /not user@host/,
    );
  });
});

describe('armada connect, device-CA mode', () => {
  let device: { ca: PemPair; client: PemPair; port: number };
  beforeAll(async () => {
    const ca = await createCa('armada device CA pi-9');
    const issuer = await loadIssuer(ca);
    device = {
      ca,
      client: await issueClientCert(issuer, 'client'),
      port: await dockerLike(await issueServerCert(issuer, 'pi-9'), ca.certPem),
    };
  });

  test('--from-card reads armada/client/ from the FAT partition of an image', async () => {
    const img = join(dir, 'booted.img');
    execFileSync('truncate', ['-s', '48M', img]);
    execFileSync('sfdisk', ['-q', img], { input: 'label: dos\nstart=8192, type=c\n' });
    execFileSync(
      'mkfs.vfat',
      ['-F', '32', '--offset', '8192', img, String((48 * 1024 * 1024 - 8192 * 512) / 1024)],
      { stdio: 'ignore' },
    );
    const v = { path: img, offsetBytes: 8192 * 512 };
    await writeFat(v, '/armada/client/ca.pem', device.ca.certPem);
    await writeFat(v, '/armada/client/cert.pem', device.client.certPem);
    await writeFat(v, '/armada/client/key.pem', device.client.keyPem);
    const r = await connectHost({
      host: 'localhost',
      port: device.port,
      fromCard: img,
      name: 'armada-card',
    });
    expect(r).toMatchObject({ certSource: 'card', ping: { ready: true } });
    expect(r.certPath).toBe(join(dir, 'config', 'hosts', 'localhost'));
    expect(statSync(join(r.certPath, 'key.pem')).mode & 0o777).toBe(0o600);
    // Stored: the next connect (and env) finds it without --from-card.
    expect(
      (await connectHost({ host: 'localhost', port: device.port, name: 'armada-card' })).certSource,
    ).toBe('host');
    expect((await dockerEnv({ host: 'localhost', port: device.port })).DOCKER_CERT_PATH).toBe(
      r.certPath,
    );
    // An image whose first boot has not run yet has no bundle.
    const empty = join(dir, 'fresh.img');
    execFileSync('cp', [img, empty]);
    execFileSync('mdeltree', ['-i', `${empty}@@${8192 * 512}`, '::/armada']);
    await expect(connectHost({ host: 'localhost', fromCard: empty })).rejects.toThrow(
      /no armada\/client\/ bundle/,
    );
  });

  test('--ssh fetches ~/.docker/{ca,cert,key}.pem with one ssh command', async () => {
    const bin = join(dir, 'fake-bin');
    mkdirSync(bin, { recursive: true });
    const home = join(dir, 'remote-home', '.docker');
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'ca.pem'), device.ca.certPem);
    writeFileSync(join(home, 'cert.pem'), device.client.certPem);
    writeFileSync(join(home, 'key.pem'), device.client.keyPem);
    // A stand-in for ssh: checks it was asked for the right host and runs the remote command in a fake home.
    writeFileSync(
      join(bin, 'ssh'),
      `#!/bin/sh\nfor last; do :; done\ncase "$*" in *"-- pi@localhost "*) HOME='${join(dir, 'remote-home')}' exec sh -c "$last";; esac\necho "ssh: unexpected $*" >&2; exit 255\n`,
    );
    chmodSync(join(bin, 'ssh'), 0o755);
    process.env.PATH = `${bin}:${saved.PATH ?? ''}`;
    try {
      execFileSync('rm', ['-rf', join(dir, 'config', 'hosts', 'localhost')]);
      const r = await connectHost({
        host: 'localhost',
        port: device.port,
        ssh: 'pi@localhost',
        name: 'armada-ssh',
      });
      expect(r).toMatchObject({ certSource: 'ssh', ping: { ready: true } });
      await expect(connectHost({ host: 'localhost', ssh: 'pi@elsewhere' })).rejects.toThrow(
        /could not fetch the client bundle over SSH/,
      );
    } finally {
      process.env.PATH = saved.PATH;
    }
  });

  test('no certificate at all: the error says how to get one', async () => {
    process.env.ARMADA_CONFIG_DIR = join(dir, 'empty-config');
    try {
      await expect(connectHost({ host: 'pi-2.local' })).rejects.toThrow(
        /no client certificate for pi-2\.local.*ca init.*--from-card/,
      );
      await expect(dockerEnv({ host: 'pi-2.local' })).rejects.toThrow(/no client certificate/);
    } finally {
      process.env.ARMADA_CONFIG_DIR = join(dir, 'config');
    }
  });
});
