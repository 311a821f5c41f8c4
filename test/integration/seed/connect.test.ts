/**
 * connect / env against a real local TLS endpoint: a node https server on 127.0.0.1 with a
 * server certificate from the CA, `requestCert` + `rejectUnauthorized`, answering /_ping like
 * dockerd's TLS port (the real dockerd is exercised by the QEMU e2e). The docker CLI, when
 * present, gets a context and talks to the same server (Go's TLS stack, our PKCS#8 keys).
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttps, type Server } from 'node:https';
import { createServer as createHttp } from 'node:http';
import { createServer as createTcp, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectHost } from '../../../src/connect/connect.js';
import { dockerEnv, renderEnv } from '../../../src/commands/env.js';
import {
  createCa,
  createCsr,
  issueClientCert,
  issueServerCert,
  loadIssuer,
  type PemPair,
} from '../../../src/tls/certs.js';
import { deviceClientCsr } from '../../../src/tls/device-client.js';
import { firstBootPaths } from '../../../src/firstboot/plan.js';
import { q, runLib, writeScript } from '../../unit/firstboot/run-sh.js';
import { initCa, laptopPaths } from '../../../src/tls/store.js';
import { hostDir, writeBundle } from '../../../src/tls/bundle.js';
import { writeFat } from '../../../src/image/fat.js';
import { UsageError } from '../../../src/errors.js';
import { suiteTempDir } from '../../helpers/tmp.js';
import { describeNeeds, toolsReason } from '../../helpers/needs.js';

const execFileAsync = promisify(execFile);
const saved = { ...process.env };
// At module level: suiteTempDir's afterAll is ignored when registered from inside a hook.
const dir = await suiteTempDir('armada-connect-');
const script = writeScript(dir);
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

  describeNeeds({ unless: toolsReason('docker') }, 'with the docker CLI', () =>
    test("the docker CLI (Go TLS) talks to the endpoint with the context's certificates", async () => {
      // Async: the server lives in this process, so a synchronous spawn would starve it.
      const { stdout } = await execFileAsync(
        'docker',
        ['--context', 'armada-test', 'version', '--format', '{{.Server.Version}}'],
        { timeout: 20_000 },
      );
      expect(stdout.trim()).toBe('armada-test');
    }),
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

  describeNeeds({ unless: toolsReason('docker') }, 'with the docker CLI', () =>
    test('a context armada did not make is kept unless --force; a one-letter host gets a valid name', async () => {
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
        resolvers: { lookup: () => Promise.resolve({}) },
        timeoutMs: 300,
      });
      expect(x.context).toMatchObject({ name: 'armada-x', created: false });
    }),
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
      resolvers: {
        lookup: () => Promise.reject(new Error('ENOTFOUND')),
        mdns: () => Promise.resolve([]),
      },
      timeoutMs: 3000,
    });
    expect(r.ping).toMatchObject({ ready: false, reason: 'dns' });
    if (!r.ping.ready)
      expect(r.ping.message).toMatch(/armada-nosuchhost nor armada-nosuchhost\.local .*mDNS/);
  });

  test('a name only mDNS knows: dialled by address, the certificate checked against the name', async () => {
    const viaMdns = (name: string) => ({
      lookup: () => Promise.reject(new Error('ENOTFOUND')),
      mdns: (n: string) => Promise.resolve(n === name ? ['127.0.0.1'] : []),
    });
    // The server certificate covers 127.0.0.1 (every armada certificate does): the context may hold it.
    const r = await connectHost({ host: 'pi-1', port, resolvers: viaMdns('pi-1.local') });
    expect(r).toMatchObject({
      host: 'pi-1.local',
      address: '127.0.0.1',
      ping: { ready: true, addressInCertificate: true },
      endpoint: `tcp://127.0.0.1:${port}`,
    });
    // A name the certificate is not for fails TLS, although the address is the same.
    const wrong = await connectHost({
      host: 'pi-9.local',
      port,
      resolvers: viaMdns('pi-9.local'),
      name: 'armada-wrong',
    });
    expect(wrong.ping).toMatchObject({ ready: false, reason: 'tls' });
    if (!wrong.ping.ready) expect(wrong.ping.message).toMatch(/not valid for 'pi-9\.local'/);
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

describe('armada connect, device-CA mode (the device side is the real first-boot shell)', () => {
  const device = join(dir, 'device');
  const state = join(dir, 'device-state');
  let port: number;
  const sh = (snippet: string) => {
    const r = runLib(script, snippet);
    if (r.status !== 0) throw new Error(`${snippet}: ${r.stderr}`);
    return r.stdout;
  };
  /** A card image whose FAT holds what first boot wrote back: armada/client/{ca,cert}.pem. */
  const card = async (name: string, csrPem: string) => {
    const img = join(dir, `${name}.img`);
    execFileSync('truncate', ['-s', '48M', img]);
    execFileSync('sfdisk', ['-q', img], { input: 'label: dos\nstart=8192, type=c\n' });
    execFileSync(
      'mkfs.vfat',
      ['-F', '32', '--offset', '8192', img, String((48 * 1024 * 1024 - 8192 * 512) / 1024)],
      { stdio: 'ignore' },
    );
    writeFileSync(join(dir, `${name}.csr`), csrPem);
    sh(
      `sign_client_csr ${q(join(dir, `${name}.csr`))} ${q(join(state, 'device-ca'))} ${q(join(dir, `${name}.pem`))}`,
    );
    const v = { path: img, offsetBytes: 8192 * 512 };
    await writeFat(v, '/armada/client/ca.pem', readFileSync(join(device, 'ca.pem')));
    await writeFat(v, '/armada/client/cert.pem', readFileSync(join(dir, `${name}.pem`)));
    return img;
  };
  beforeAll(async () => {
    mkdirSync(device);
    mkdirSync(join(state, 'device-ca'), { recursive: true });
    sh(`make_device_tls ${q(device)} pi-9 >/dev/null 2>&1`);
    writeFileSync(join(state, 'tls-mode'), 'device\n');
    for (const f of ['ca.pem', 'ca-key.pem'])
      writeFileSync(join(state, 'device-ca', f), readFileSync(join(device, f)));
    port = await dockerLike(
      {
        certPem: readFileSync(join(device, 'server.pem'), 'utf8'),
        keyPem: readFileSync(join(device, 'server-key.pem'), 'utf8'),
      },
      readFileSync(join(device, 'ca.pem'), 'utf8'),
    );
  });

  test('--from-card pairs the certificate first boot signed with the key this laptop kept', async () => {
    const paths = await laptopPaths();
    const img = await card('booted', await deviceClientCsr(paths));
    const r = await connectHost({ host: 'localhost', port, fromCard: img, name: 'armada-card' });
    expect(r).toMatchObject({ certSource: 'card', ping: { ready: true } });
    expect(r.certPath).toBe(join(dir, 'config', 'hosts', 'localhost'));
    expect(statSync(join(r.certPath, 'key.pem')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(r.certPath, 'key.pem'), 'utf8')).toBe(
      readFileSync(paths.deviceKey, 'utf8'),
    );
    expect(statSync(paths.deviceKey).mode & 0o777).toBe(0o600);
    // Stored: the next connect (and env) finds it without --from-card.
    expect((await connectHost({ host: 'localhost', port, name: 'armada-card' })).certSource).toBe(
      'host',
    );
    expect((await dockerEnv({ host: 'localhost', port })).DOCKER_CERT_PATH).toBe(r.certPath);
    // A card signed for another laptop's key is refused, and so is one first boot has not run on.
    const other = await createCa('other laptop (only its key is used)');
    const foreign = await card('foreign', await createCsr(other.keyPem, 'someone else'));
    await expect(connectHost({ host: 'localhost', fromCard: foreign })).rejects.toThrow(
      /made for another key/,
    );
    const empty = join(dir, 'fresh.img');
    execFileSync('cp', [img, empty]);
    execFileSync('mdeltree', ['-i', `${empty}@@${8192 * 512}`, '::/armada']);
    await expect(connectHost({ host: 'localhost', fromCard: empty })).rejects.toThrow(
      /no armada\/client\/cert\.pem/,
    );
  });

  test('--ssh sends only a certificate request; the device signs it with sudo and answers ca.pem + cert.pem', async () => {
    const bin = join(dir, 'fake-bin');
    mkdirSync(bin, { recursive: true });
    const seen = join(dir, 'ssh-stdin');
    // A stand-in for ssh to the device: checks host and remote command, keeps what it was sent,
    // and runs the real script's signer against the device state made above.
    writeFileSync(
      join(bin, 'ssh'),
      `#!/bin/sh\ncase "$*" in\n  *"-- pi@localhost sudo -n ${firstBootPaths.script} sign-client") ;;\n  *) echo "ssh: unexpected $*" >&2; exit 255 ;;\nesac\ntee ${q(seen)} | dash -c 'st=$1; set -- lib; . "$0"; STATE_DIR=$st; sign_client_stdin' ${q(script)} ${q(state)}\n`,
    );
    chmodSync(join(bin, 'ssh'), 0o755);
    process.env.PATH = `${bin}:${saved.PATH ?? ''}`;
    try {
      execFileSync('rm', ['-rf', join(dir, 'config', 'hosts', 'localhost')]);
      const r = await connectHost({
        host: 'localhost',
        port,
        ssh: 'pi@localhost',
        name: 'armada-ssh',
      });
      expect(r).toMatchObject({ certSource: 'ssh', ping: { ready: true } });
      const sent = readFileSync(seen, 'utf8');
      expect(sent).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
      expect(sent).not.toMatch(/PRIVATE KEY/);
      await expect(connectHost({ host: 'localhost', ssh: 'pi@elsewhere' })).rejects.toThrow(
        /did not sign this laptop's certificate request over SSH/,
      );
      // A laptop-CA device has no device CA to sign with.
      writeFileSync(join(state, 'tls-mode'), 'laptop\n');
      await expect(connectHost({ host: 'localhost', ssh: 'pi@localhost' })).rejects.toThrow(
        /no device CA/,
      );
    } finally {
      writeFileSync(join(state, 'tls-mode'), 'device\n');
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
