/**
 * `armada discover` against a real avahi-daemon. Two network namespaces made here, joined by a
 * veth pair with a link-local /30: avahi (no D-Bus, its own /etc/avahi and /run in a private
 * mount namespace) publishes static _docker._tcp services in one, beside a TLS endpoint that
 * answers /_ping like dockerd's; the CLI, compiled from this tree, browses and connects from the
 * other, whose resolver knows no mDNS (its own nsswitch.conf: files dns). No traffic leaves the
 * two namespaces; both, and avahi, are removed on every path.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, existsSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { initCa } from '../../../src/tls/store.js';
import { configPaths } from '../../../src/config-dir.js';
import {
  certSha256Hex,
  createCa,
  issueClientCert,
  issueServerCert,
  loadIssuer,
  type PemPair,
} from '../../../src/tls/certs.js';
import { readCa } from '../../../src/tls/store.js';
import { hostDir, writeBundle } from '../../../src/tls/bundle.js';
import { readFileSync } from 'node:fs';
import { suiteTempDir } from '../../helpers/tmp.js';
import { planFirstBootFiles } from '../../../src/firstboot/plan.js';
import { q, runLib, writeScript } from '../../unit/firstboot/run-sh.js';
import type { DiscoveredHost } from '../../../src/discover/records.js';
import { describeNeeds, toolsReason } from '../../helpers/needs.js';

const execFileAsync = promisify(execFile);
const id = randomBytes(3).toString('hex');
const nsAvahi = `armada-t-${id}-a`;
const nsLaptop = `armada-t-${id}-b`;
const octet = 1 + (randomBytes(1)[0] % 250);
const avahiAddr = `169.254.${octet}.1`;
const laptopAddr = `169.254.${octet}.2`;
/**
 * The avahi side's second address, on its loopback, which avahi does not serve: a static host
 * entry for an address avahi itself announces is not published.
 */
const silentAddr = `169.254.${octet}.5`;

// At module level: suiteTempDir's afterAll is ignored when registered from inside a hook.
const dir = await suiteTempDir('armada-discover-');
let avahi: ChildProcess | undefined;
let avahiLog = '';
let cli: string;
let config: string;
let deviceCa: PemPair;

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

async function waitFor(what: string, ms: number, check: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until)
      throw new Error(`timed out after ${ms} ms waiting for ${what}\navahi log:\n${avahiLog}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function cleanup(): void {
  try {
    for (const pid of execFileSync('ip', ['netns', 'pids', nsAvahi], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean))
      process.kill(Number(pid), 'SIGKILL');
  } catch {
    /* namespace already gone */
  }
  avahi?.kill('SIGKILL');
  for (const ns of [nsAvahi, nsLaptop]) {
    try {
      ip(['netns', 'del', ns]);
    } catch {
      /* not created */
    }
  }
}

function service(name: string, txt: string[], host?: string, port = 2376): string {
  return `<?xml version="1.0" standalone='no'?>
<!DOCTYPE service-group SYSTEM "avahi-service.dtd">
<service-group>
  <name>${name}</name>
  <service>
    <type>_docker._tcp</type>
    <port>${port}</port>
${host ? `    <host-name>${host}</host-name>\n` : ''}${txt.map((t) => `    <txt-record>${t}</txt-record>`).join('\n')}
  </service>
</service-group>
`;
}

/** The CLI in the laptop namespace, with a resolver that has no mDNS (no nss-mdns). */
async function laptopCli(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const nsswitch = join(dir, 'nsswitch.conf');
  const argv = [process.execPath, cli, ...args].map((a) => `'${a}'`).join(' ');
  const script = `mount --bind '${nsswitch}' /etc/nsswitch.conf && exec ${argv}`;
  return execFileAsync(
    'ip',
    [
      'netns',
      'exec',
      nsLaptop,
      'unshare',
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      script,
    ],
    {
      env: { ...process.env, ARMADA_CONFIG_DIR: config, DOCKER_CONFIG: join(dir, 'docker') },
      timeout: 60_000,
    },
  ).then(
    (r) => ({ code: 0, ...r }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({
      code: e.code ?? -1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    }),
  );
}

async function discover(): Promise<DiscoveredHost[]> {
  const r = await laptopCli(['discover', '--json', '--timeout', '3']);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { hosts: DiscoveredHost[] }).hosts;
}

/**
 * dockerd's TLS port in miniature, run in the avahi namespace: mutual TLS against both CAs, the
 * certificate chosen by the name the client asks for (SNI), /_ping answered.
 */
function tlsEndpointScript(): string {
  return `import { createServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
const d = process.argv[2];
const r = (n) => readFileSync(d + '/' + n, 'utf8');
const ca = [r('laptop-ca.pem'), r('device-ca.pem')];
const device = createSecureContext({ cert: r('device-cert.pem'), key: r('device-key.pem'), ca });
const s = createServer(
  {
    cert: r('laptop-cert.pem'),
    key: r('laptop-key.pem'),
    ca,
    requestCert: true,
    rejectUnauthorized: true,
    SNICallback: (name, cb) => cb(null, name.startsWith('pi-dev-') ? device : undefined),
  },
  (req, res) => {
    res.setHeader('Api-Version', '1.41');
    if (req.url === '/_ping') return res.end('OK');
    res.statusCode = 404;
    res.end('{"message":"not here"}');
  },
);
s.listen(2376, process.argv[3], () => console.log('listening'));
`;
}

describeNeeds(
  { root: true, unless: toolsReason('avahi-daemon', 'ip', 'unshare') },
  'armada discover finds avahi-published Docker hosts',
  () => {
    let laptopCaSha: string;
    // Registered here, not inside beforeAll: vitest ignores hooks registered from within hooks.
    afterAll(cleanup);

    beforeAll(async () => {
      // The CLI as users run it: compiled from this tree (type errors elsewhere do not stop emit).
      const out = join(dir, 'build');
      await execFileAsync(
        'npx',
        ['tsc', '-p', 'tsconfig.build.json', '--outDir', join(out, 'dist')],
        { timeout: 300_000 },
      ).catch(() => undefined);
      cli = join(out, 'dist', 'cli.js');
      if (!existsSync(cli)) throw new Error('tsc did not emit dist/cli.js');
      copyFileSync('package.json', join(out, 'package.json'));
      symlinkSync(join(process.cwd(), 'node_modules'), join(out, 'node_modules'));

      config = join(dir, 'config');
      await initCa({ paths: configPaths(config) });
      laptopCaSha = certSha256Hex(readFileSync(join(config, 'ca', 'ca.pem'), 'utf8'));
      writeFileSync(join(dir, 'nsswitch.conf'), 'hosts: files dns\n');

      // The TLS endpoint's certificates: by name only (no IP SAN), like a card seeded without --san.
      const laptopCa = (await readCa(configPaths(config)))!;
      deviceCa = await createCa('device');
      const tlsDir = join(dir, 'endpoint');
      mkdirSync(tlsDir);
      const laptopCert = await issueServerCert(await loadIssuer(laptopCa), `armada-disc-${id}`);
      const deviceCert = await issueServerCert(await loadIssuer(deviceCa), `pi-dev-${id}`);
      for (const [name, text] of Object.entries({
        'laptop-ca.pem': laptopCa.certPem,
        'device-ca.pem': deviceCa.certPem,
        'laptop-cert.pem': laptopCert.certPem,
        'laptop-key.pem': laptopCert.keyPem,
        'device-cert.pem': deviceCert.certPem,
        'device-key.pem': deviceCert.keyPem,
        'server.mjs': tlsEndpointScript(),
      }))
        writeFileSync(join(tlsDir, name), text);

      // avahi's whole /etc/avahi, seen only inside its private mount namespace.
      const etc = join(dir, 'avahi');
      mkdirSync(join(etc, 'services'), { recursive: true });
      writeFileSync(
        join(etc, 'avahi-daemon.conf'),
        `[server]\nhost-name=armada-disc-${id}\ndomain-name=local\nuse-ipv4=yes\nuse-ipv6=no\nallow-interfaces=va-${id}\nenable-dbus=no\n[wide-area]\nenable-wide-area=no\n[publish]\npublish-hinfo=no\npublish-workstation=no\n`,
      );
      writeFileSync(
        join(etc, 'hosts'),
        `${avahiAddr} pi-dev-${id}.local\n${silentAddr} silent-${id}.local\n`,
      );
      // The laptop-CA host publishes what first boot makes of the image's service file.
      const fb = join(dir, 'firstboot');
      mkdirSync(join(fb, 'state'), { recursive: true });
      mkdirSync(join(fb, 'tls'));
      writeFileSync(join(fb, 'state', 'tls-mode'), 'laptop\n');
      copyFileSync(join(config, 'ca', 'ca.pem'), join(fb, 'tls', 'ca.pem'));
      const laptopService = join(etc, 'services', 'laptop.service');
      writeFileSync(
        laptopService,
        planFirstBootFiles({ armadaVersion: '0.1.0', insecureTcp: false }).files.find(
          (f) => f.path === '/etc/avahi/services/docker.service',
        )!.content,
      );
      const mdns = runLib(
        writeScript(fb),
        `STATE_DIR=${q(join(fb, 'state'))}; TLS_DIR=${q(join(fb, 'tls'))}; HOST=x; AVAHI_SERVICE=${q(laptopService)}; setup_mdns >/dev/null`,
      );
      expect(mdns.status, mdns.stderr).toBe(0);
      writeFileSync(
        join(etc, 'services', 'device.service'),
        service(`pi-dev-${id}`, ['tls=1', 'armada=0.1.0', 'tlsmode=device'], `pi-dev-${id}.local`),
      );
      // Says it is a laptop-CA armada host, but nothing listens on its TLS port.
      writeFileSync(
        join(etc, 'services', 'silent.service'),
        service(
          `silent-${id}`,
          ['tls=1', 'armada=0.1.0', 'tlsmode=laptop'],
          `silent-${id}.local`,
          2377,
        ),
      );

      try {
        ip(['netns', 'add', nsAvahi]);
        ip(['netns', 'add', nsLaptop]);
        ip([
          'link',
          'add',
          `va-${id}`,
          'netns',
          nsAvahi,
          'type',
          'veth',
          'peer',
          'name',
          `vb-${id}`,
          'netns',
          nsLaptop,
        ]);
        for (const [ns, dev, addr] of [
          [nsAvahi, `va-${id}`, avahiAddr],
          [nsLaptop, `vb-${id}`, laptopAddr],
        ] as const) {
          ip(['-n', ns, 'addr', 'add', `${addr}/30`, 'dev', dev]);
          ip(['-n', ns, 'link', 'set', 'lo', 'up']);
          ip(['-n', ns, 'link', 'set', dev, 'up']);
          // No default route in here: mDNS needs a route for its multicast group.
          ip(['-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', dev]);
        }
        ip(['-n', nsAvahi, 'addr', 'add', `${silentAddr}/32`, 'dev', 'lo']);
        ip(['-n', nsLaptop, 'route', 'add', `${silentAddr}/32`, 'via', avahiAddr]);
        const script = `mount -t tmpfs tmpfs /run && mkdir -p /run/avahi-daemon && mount --bind '${etc}' /etc/avahi && exec avahi-daemon --no-drop-root --no-chroot -f '${join(etc, 'avahi-daemon.conf')}'`;
        avahi = spawn(
          'ip',
          [
            'netns',
            'exec',
            nsAvahi,
            'unshare',
            '--mount',
            '--propagation',
            'private',
            'sh',
            '-c',
            script,
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        avahi.stdout?.on('data', (d: Buffer) => (avahiLog += d.toString()));
        avahi.stderr?.on('data', (d: Buffer) => (avahiLog += d.toString()));
        await waitFor(
          'avahi to publish the three services',
          20_000,
          () => (avahiLog.match(/successfully established/g) ?? []).length >= 3,
        );
        const endpoint = spawn(
          'ip',
          [
            'netns',
            'exec',
            nsAvahi,
            process.execPath,
            join(tlsDir, 'server.mjs'),
            tlsDir,
            '0.0.0.0',
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let endpointLog = '';
        endpoint.stdout.on('data', (d: Buffer) => (endpointLog += d.toString()));
        endpoint.stderr.on('data', (d: Buffer) => (endpointLog += d.toString()));
        await waitFor('the TLS endpoint', 20_000, () => endpointLog.includes('listening'));
      } catch (error) {
        cleanup();
        throw error;
      }
    }, 400_000);

    test('hosts, addresses, port, TXT and trust', async () => {
      const hosts = await discover();
      const laptop = hosts.find((h) => h.host === `armada-disc-${id}.local`);
      const device = hosts.find((h) => h.host === `pi-dev-${id}.local`);
      expect(laptop).toMatchObject({
        name: `armada-disc-${id}`,
        port: 2376,
        tls: true,
        armadaVersion: '0.1.0',
        tlsMode: 'laptop',
        txt: { tls: '1', armada: '0.1.0', tlsmode: 'laptop', ca: laptopCaSha, swarm: 'none' },
        trust: { trusted: true, via: 'laptop-ca', tlsChecked: true },
        // The image's hint; no engine answers here, so nothing confirms it.
        swarm: { role: 'none', checked: false },
      });
      expect(laptop!.addresses).toContain(avahiAddr);
      expect(device).toMatchObject({ port: 2376, tlsMode: 'device', trust: { trusted: false } });
      expect(device!.addresses).toEqual([avahiAddr]);
    });

    test('a TXT record alone is not trust: a host whose TLS port does not answer is not trusted', async () => {
      const silent = (await discover()).find((h) => h.host === `silent-${id}.local`);
      expect(silent).toMatchObject({ port: 2377, tlsMode: 'laptop' });
      expect(silent!.trust).toMatchObject({ trusted: false, tlsChecked: false });
      expect(silent!.trust.detail).toMatch(/TLS port did not answer: connection refused/);
    });

    test('connect resolves a .local name over mDNS itself and checks TLS against the name', async () => {
      const r = await laptopCli(['connect', `armada-disc-${id}.local`, '--json']);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      const out = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(out).toMatchObject({
        ok: true,
        host: `armada-disc-${id}.local`,
        address: avahiAddr,
        ping: { ready: true, addressInCertificate: false },
        // The certificate has no IP SAN: the context keeps the name, and says how docker gets it.
        endpoint: `tcp://armada-disc-${id}.local:2376`,
      });
      expect(r.stderr).toContain(`resolved over mDNS by armada: ${avahiAddr}`);
      const context = out.context as { created: boolean; note?: string; reason?: string };
      if (context.created) expect(context.note).toMatch(/libnss-mdns/);
      // Dialling the address still checks the certificate against the name asked for.
      const wrong = await laptopCli(['connect', `silent-${id}.local:2376`, '--json']);
      expect(wrong.code).toBe(3);
      expect(JSON.parse(wrong.stdout)).toMatchObject({
        ok: false,
        address: silentAddr,
        ping: { ready: false, reason: 'tls' },
      });
      expect((JSON.parse(wrong.stdout) as { ping: { message: string } }).ping.message).toMatch(
        new RegExp(`not valid for 'silent-${id}\\.local'`),
      );
    });

    test('a stored device-CA bundle makes that host trusted', async () => {
      const ca = deviceCa;
      const client = await issueClientCert(await loadIssuer(ca), 'c');
      await writeBundle(hostDir(configPaths(config), `pi-dev-${id}.local`), {
        ca: ca.certPem,
        cert: client.certPem,
        key: client.keyPem,
      });
      const device = (await discover()).find((h) => h.host === `pi-dev-${id}.local`);
      expect(device?.trust).toMatchObject({ trusted: true, via: 'host-bundle', tlsChecked: true });
    });
  },
);
