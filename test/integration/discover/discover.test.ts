/**
 * `armada discover` against a real avahi-daemon. Two network namespaces made here, joined by a
 * veth pair with a link-local /30: avahi (no D-Bus, its own /etc/avahi and /run in a private
 * mount namespace) publishes static _docker._tcp services in one; the CLI, compiled from this
 * tree, browses from the other. No traffic leaves the two namespaces; both, and avahi, are
 * removed on every path.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, existsSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { initCa } from '../../../src/tls/store.js';
import { configPaths } from '../../../src/config-dir.js';
import { certSha256Hex, createCa, issueClientCert, loadIssuer } from '../../../src/tls/certs.js';
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

// At module level: suiteTempDir's afterAll is ignored when registered from inside a hook.
const dir = await suiteTempDir('armada-discover-');
let avahi: ChildProcess | undefined;
let avahiLog = '';
let cli: string;
let config: string;

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

function service(name: string, txt: string[], host?: string): string {
  return `<?xml version="1.0" standalone='no'?>
<!DOCTYPE service-group SYSTEM "avahi-service.dtd">
<service-group>
  <name>${name}</name>
  <service>
    <type>_docker._tcp</type>
    <port>2376</port>
${host ? `    <host-name>${host}</host-name>\n` : ''}${txt.map((t) => `    <txt-record>${t}</txt-record>`).join('\n')}
  </service>
</service-group>
`;
}

async function discover(): Promise<DiscoveredHost[]> {
  const { stdout } = await execFileAsync(
    'ip',
    ['netns', 'exec', nsLaptop, process.execPath, cli, 'discover', '--json', '--timeout', '3'],
    {
      env: { ...process.env, ARMADA_CONFIG_DIR: config },
      timeout: 60_000,
    },
  );
  return (JSON.parse(stdout) as { hosts: DiscoveredHost[] }).hosts;
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

      // avahi's whole /etc/avahi, seen only inside its private mount namespace.
      const etc = join(dir, 'avahi');
      mkdirSync(join(etc, 'services'), { recursive: true });
      writeFileSync(
        join(etc, 'avahi-daemon.conf'),
        `[server]\nhost-name=armada-disc-${id}\ndomain-name=local\nuse-ipv4=yes\nuse-ipv6=no\nallow-interfaces=va-${id}\nenable-dbus=no\n[wide-area]\nenable-wide-area=no\n[publish]\npublish-hinfo=no\npublish-workstation=no\n`,
      );
      writeFileSync(join(etc, 'hosts'), `${avahiAddr} pi-dev-${id}.local\n`);
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
          'avahi to publish both services',
          20_000,
          () => (avahiLog.match(/successfully established/g) ?? []).length >= 2,
        );
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
        trust: { trusted: true, via: 'laptop-ca' },
        // The image's hint; no engine answers here, so nothing confirms it.
        swarm: { role: 'none', checked: false },
      });
      expect(laptop!.addresses).toContain(avahiAddr);
      expect(device).toMatchObject({ port: 2376, tlsMode: 'device', trust: { trusted: false } });
      expect(device!.addresses).toEqual([avahiAddr]);
    });

    test('a stored device-CA bundle makes that host trusted', async () => {
      const ca = await createCa('device');
      const client = await issueClientCert(await loadIssuer(ca), 'c');
      await writeBundle(hostDir(configPaths(config), `pi-dev-${id}.local`), {
        ca: ca.certPem,
        cert: client.certPem,
        key: client.keyPem,
      });
      const device = (await discover()).find((h) => h.host === `pi-dev-${id}.local`);
      expect(device?.trust).toMatchObject({ trusted: true, via: 'host-bundle' });
    });
  },
);
