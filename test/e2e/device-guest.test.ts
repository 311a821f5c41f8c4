/**
 * Device-CA mode, cloud-init network config and Open vSwitch on one booted guest. Its image is
 * built `--with ovs`: the default image plus Open vSwitch (the default image itself boots as the
 * laptop guests a and b), so one boot serves what took two. The card is
 * seeded with `armada configure --tls device`: the device CA signs the laptop's certificate request
 * and the card never holds a private key. Its user-data gives two NICs on private L2 links of the
 * test's own (QEMU socket netdevs; the test is the other end) static addresses, selecting them
 * with `match: macaddress` and renaming one with `set-name`; the first NIC is user networking
 * (restrict=on, DHCP from the image's default network file). First boot's armada/status.json must
 * list the addresses on the right interfaces, and the guest must answer ARP for them on the right
 * wire, from the right MAC. Open vSwitch runs from the first boot and carries traffic between two
 * containers over a bridge, wired from a privileged container (chroot into the host's root) the
 * way an operator with only the Docker endpoint would do it. Every wait is bounded and prints the
 * console on failure.
 *
 * Then the card is re-seeded as a card changing hands would be: the guest is powered off cleanly,
 * `armada configure` from a second laptop (another client key, so another certificate request)
 * names another login user, and a copy of the card boots again. The first laptop's certificate
 * (signed by the old device CA) must be refused by Docker, the second laptop's accepted, and the
 * first login user refused by SSH: locked, expired, without keys, out of docker and sudo.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eSkip } from './built-image.js';
import {
  armada,
  armadaAsync,
  bootCopy,
  bootCopyBudgetMs,
  docker,
  waitForDocker,
  type Booted,
} from './vm.js';
import { busyboxImage, importBusybox, readIdentity, type Tls } from './containers.js';
import { freePort } from '../helpers/qemu.js';
import { arpReplyMac, arpRequest, connectL2, type L2Peer } from '../helpers/l2-peer.js';
import { suiteTempDir } from '../helpers/tmp.js';
import { sshKeyPair } from '../helpers/tools.js';
import { listFat, readFat } from '../../src/image/fat.js';
import { findBootPartition } from '../../src/image/partition-table.js';
import { readPartitionTable } from '../../src/image/read-partition-table.js';
import { describeNeeds } from '../helpers/needs.js';

const dir = e2eSkip ? '' : await suiteTempDir('armada-e2e-device-');
const env = {
  ARMADA_CONFIG_DIR: join(dir, 'device-laptop'),
  DOCKER_CONFIG: join(dir, 'device-docker-config'),
  // configure takes ~/.ssh/id_ed25519.pub when no --ssh-key is given: this card must hold exactly
  // what the test seeds, whatever keys the machine running the test has.
  HOME: dir,
};
// The build keeps the machine's HOME: its stage and package caches live there.
const buildEnv = { ARMADA_CONFIG_DIR: env.ARMADA_CONFIG_DIR, DOCKER_CONFIG: env.DOCKER_CONFIG };
/** The second laptop, which re-seeds the card: its own config dir, so its own client key. */
const env2 = {
  ARMADA_CONFIG_DIR: join(dir, 'second-laptop'),
  DOCKER_CONFIG: join(dir, 'second-docker-config'),
  HOME: dir,
};
/** Extending the cached default stage with Open vSwitch under qemu-user: ~5 min here when cold. */
const ovsBuildBudgetMs = 20 * 60_000;
const lan = { mac: '52:54:00:99:00:02', ip: '10.99.0.12' };
const renamed = { mac: '52:54:00:99:00:03', ip: '10.99.1.12', name: 'lan1' };
const userData = `#cloud-config
network:
  version: 2
  ethernets:
    lan:
      match:
        macaddress: "${lan.mac}"
      addresses: [${lan.ip}/24]
    second:
      match:
        macaddress: "${renamed.mac}"
      set-name: ${renamed.name}
      addresses: [${renamed.ip}/24]
      optional: true
`;

/**
 * ssh with one key and nothing else (no agent, no password), to the guest's forwarded port 22.
 * Exit 255 is ssh's own failure (refused, unreachable); anything else is the command's.
 */
function sshAs(port: number, user: string, key: string, command = 'id -un') {
  const r = spawnSync(
    'ssh',
    [
      '-p',
      String(port),
      '-i',
      key,
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'IdentityAgent=none',
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'ConnectTimeout=10',
      `${user}@127.0.0.1`,
      command,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Polls until `user` logs in (sshd starts after first boot); the last failure if never. */
async function waitForSsh(vm: Booted['vm'], port: number, user: string, key: string) {
  const deadline = Date.now() + 120_000;
  let last = sshAs(port, user, key);
  while (last.status !== 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 3000));
    last = sshAs(port, user, key);
  }
  if (last.status !== 0)
    throw new Error(
      `${user} could not log in over SSH within 120 s (exit ${last.status}): ${last.stderr}\n${vm.logTail(40)}`,
    );
  return last;
}

/** Every byte of the FAT partition, deleted clusters and slack included. */
function fatBytes(image: string, v: { offsetBytes: number; sizeBytes: number }): Buffer {
  const fd = openSync(image, 'r');
  try {
    const buf = Buffer.alloc(v.sizeBytes);
    readSync(fd, buf, 0, v.sizeBytes, v.offsetBytes);
    return buf;
  } finally {
    closeSync(fd);
  }
}

describeNeeds({ root: true }, 'a device-CA guest with two NICs and Open vSwitch', () => {
  let booted: Booted;
  let tls: Tls;
  let manifest: {
    options: { with: string[]; requireKernel: string[] };
    packages: { name: string }[];
  };
  let p1: { offsetBytes: number; sizeBytes: number };
  const peers: L2Peer[] = [];
  const ports: number[] = [];
  let consoleLine = '';
  const timings: Record<string, number> = {};
  /** The first login user's key pair (the first seed), the second's (the re-seed). */
  let alice = '';
  let bob = '';
  let poweredOff = false;
  afterAll(async () => {
    for (const p of peers) p.close();
    await booted?.vm.stop();
  });

  /**
   * A clean shutdown, as a user pulling the card would do it: systemd in the guest's own
   * namespaces powers off (file systems unmounted), and QEMU exits with the guest.
   */
  async function powerOff() {
    if (poweredOff) return;
    // The docker call may end with the connection when the guest goes down: its status is moot.
    onHost('nsenter -t 1 -m -u -i -n -p -- systemctl --no-block poweroff');
    await booted.vm.waitFor(/reboot: Power down/, 180_000, 'the guest to power off');
    await booted.vm.stop();
    poweredOff = true;
  }

  /** No private key anywhere in the FAT partition: not in a file, not in a deleted one. */
  function expectNoPrivateKeyOnFat(when: string) {
    const bytes = fatBytes(booted.image, p1);
    expect(bytes.includes('PRIVATE KEY'), `"PRIVATE KEY" in the FAT partition ${when}`).toBe(false);
  }

  /** A shell command on the device itself: host namespaces, host root filesystem. */
  const onHost = (script: string) =>
    docker(
      booted.ports.docker,
      tls,
      [
        'run',
        '--rm',
        '--privileged',
        '--net=host',
        '--pid=host',
        '-v',
        '/:/host',
        busyboxImage,
        '/bin/busybox',
        'chroot',
        '/host',
        '/bin/sh',
        '-ec',
        script,
      ],
      env,
    );

  beforeAll(
    async () => {
      alice = sshKeyPair(dir, 'alice', 'alice@first-laptop').replace(/\.pub$/, '');
      bob = sshKeyPair(dir, 'bob', 'bob@second-laptop').replace(/\.pub$/, '');
      const buildStarted = Date.now();
      const out = join(dir, 'out');
      const built = await armadaAsync(
        [
          'build',
          '--with',
          'ovs',
          '--out',
          out,
          '--name',
          'armada-ovs',
          '--compress',
          'none',
          '--json',
        ],
        buildEnv,
        ovsBuildBudgetMs,
      );
      expect(built.status, built.stderr.slice(-4000)).toBe(0);
      manifest = JSON.parse(built.stdout).manifest;
      timings.ovsBuildMs = Date.now() - buildStarted;
      writeFileSync(join(dir, 'user-data.yaml'), userData);
      ports.push(await freePort(), await freePort());
      booted = await bootCopy({
        source: join(out, 'armada-ovs.img'),
        dir,
        name: 'device',
        configure: [
          '--hostname',
          'e2e-dev',
          '--tls',
          'device',
          '--timezone',
          'UTC',
          '--user',
          'alice',
          '--ssh-key',
          `${alice}.pub`,
          '--user-data',
          join(dir, 'user-data.yaml'),
        ],
        env,
        ssh: true,
        // Under load udev has taken over 90 s (systemd's default) to show the boot partition of a
        // three-NIC guest, which then went to emergency mode (a harness setting, not the image's).
        kernelArgs: ['systemd.default_device_timeout_sec=900'],
        nics: [
          { netdev: `socket,listen=127.0.0.1:${ports[0]}`, mac: lan.mac },
          { netdev: `socket,listen=127.0.0.1:${ports[1]}`, mac: renamed.mac },
        ],
      });
      timings.firstBootAndLoginMs = booted.bootMs;
      const started = Date.now();
      consoleLine = await booted.vm.waitFor(
        /armada: interfaces: /,
        120_000,
        'armada-interfaces.service to report the addresses',
      );
      timings.interfacesReportMs = Date.now() - started;
      for (const port of ports) peers.push(await connectL2(port));
      p1 = findBootPartition(await readPartitionTable(booted.image));
      // What `armada connect --from-card` pairs: the card's ca.pem + cert.pem, the laptop's key.
      const v = { path: booted.image, offsetBytes: p1.offsetBytes };
      const bundle = join(dir, 'device-bundle');
      mkdirSync(bundle, { recursive: true });
      for (const f of ['ca.pem', 'cert.pem']) {
        const content = await readFat(v, `/armada/client/${f}`);
        expect(content, `armada/client/${f} on the boot partition`).toBeDefined();
        writeFileSync(join(bundle, f), content!);
      }
      tls = {
        ca: join(bundle, 'ca.pem'),
        cert: join(bundle, 'cert.pem'),
        key: join(env.ARMADA_CONFIG_DIR, 'device-client', 'key.pem'),
      };
      await waitForDocker(booted.vm, booted.ports.docker, tls, env);
      importBusybox(booted.ports.docker, tls, dir, env);
    },
    ovsBuildBudgetMs + bootCopyBudgetMs() + 240_000,
  );

  describe('first boot, device-CA mode (armada configure --tls device)', () => {
    it('left only public material on the card: armada/client/ holds ca.pem and cert.pem, no key', async () => {
      const v = { path: booted.image, offsetBytes: p1.offsetBytes };
      const files = (await listFat(v, '/armada')).filter((f) => !f.endsWith('/'));
      expect(files.filter((f) => f.startsWith('/armada/client/')).sort()).toEqual([
        '/armada/client/ca.pem',
        '/armada/client/cert.pem',
      ]);
      // authorized_keys (alice's public key, the seed's) is the one file named for keys that may stay.
      expect(files.filter((f) => /key/i.test(f) && f !== '/armada/authorized_keys')).toEqual([]);
      expectNoPrivateKeyOnFat('after first boot');
      const status = JSON.parse((await readFat(v, '/armada/status.json'))!.toString());
      expect(status).toMatchObject({ hostname: 'e2e-dev', tlsMode: 'device', ok: true });
    });

    it('answers over TLS with the laptop’s own key and the certificate the device signed', () => {
      const v = docker(
        booted.ports.docker,
        tls,
        ['version', '--format', '{{.Server.Version}}'],
        env,
      );
      expect(v.status, v.stderr).toBe(0);
      // The same certificate with another key is refused.
      const otherKey = join(dir, 'other-key.pem');
      execFileSync('openssl', [
        'genpkey',
        '-algorithm',
        'EC',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-out',
        otherKey,
      ]);
      const other = docker(
        booted.ports.docker,
        { ...tls, key: otherKey },
        ['version'],
        env,
        60_000,
      );
      expect(other.status).not.toBe(0);
    });

    it('armada connect --from-card pairs the card’s certificate with the laptop’s key; still no key on the card', () => {
      const c = armada(
        [
          'connect',
          '127.0.0.1',
          '--port',
          String(booted.ports.docker),
          '--name',
          'e2e-device',
          '--from-card',
          booted.image,
        ],
        env,
      );
      expect(c.status, c.stderr).toBe(0);
      expect(c.stdout + c.stderr).toMatch(/ready/);
      expect(readFileSync(join(env.ARMADA_CONFIG_DIR, 'hosts/127.0.0.1/key.pem'), 'utf8')).toBe(
        readFileSync(tls.key, 'utf8'),
      );
      expectNoPrivateKeyOnFat('after armada connect --from-card');
    });

    it('alice, the seed’s login user, logs in over SSH with her key', async () => {
      const r = await waitForSsh(booted.vm, booted.ports.ssh!, 'alice', alice);
      expect(r.stdout.trim()).toBe('alice');
    });

    it('made its own machine-id and SSH host keys, none from the image', () => {
      const { machineId, hostKey } = readIdentity(booted.ports.docker, tls, env);
      expect(machineId).toMatch(/^[0-9a-f]{32}$/);
      expect(hostKey).toMatch(/^ssh-ed25519 /);
    });
  });

  describe('Open vSwitch (built --with ovs)', () => {
    it('records the feature and the required kernel group in the manifest', () => {
      expect(manifest.options.with).toEqual(['ovs']);
      expect(manifest.options.requireKernel).toContain('ovs');
      expect(manifest.packages.map((p) => p.name)).toContain('openvswitch-switch');
    });

    it('has ovs-vswitchd running after the first boot', () => {
      const r = onHost(
        'pidof ovs-vswitchd >/dev/null && ovs-vsctl --timeout=30 show >/dev/null && echo running',
      );
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe('running');
    });

    it('passes traffic between two containers through an OVS bridge', () => {
      const start = (name: string) => {
        const r = docker(
          booted.ports.docker,
          tls,
          [
            'run',
            '-d',
            '--name',
            name,
            '--network',
            'none',
            busyboxImage,
            '/bin/busybox',
            'sleep',
            '600',
          ],
          env,
        );
        expect(r.status, r.stderr).toBe(0);
        const pid = docker(
          booted.ports.docker,
          tls,
          ['inspect', '-f', '{{.State.Pid}}', name],
          env,
        );
        expect(pid.status, pid.stderr).toBe(0);
        return Number(pid.stdout.trim());
      };
      const pids = [start('ovs-a'), start('ovs-b')];
      try {
        const wiring = pids
          .map(
            (pid, i) => `
  ip link add ovs-h${i} type veth peer name ovs-c${i}
  ip link set ovs-c${i} netns ${pid}
  ovs-vsctl --timeout=30 add-port br-e2e ovs-h${i}
  ip link set ovs-h${i} up
  nsenter -t ${pid} -n ip addr add 10.77.0.${i + 1}/24 dev ovs-c${i}
  nsenter -t ${pid} -n ip link set ovs-c${i} up`,
          )
          .join('\n');
        const made = onHost(
          `ovs-vsctl --timeout=30 --may-exist add-br br-e2e\nip link set br-e2e up\n${wiring}`,
        );
        expect(made.status, made.stderr).toBe(0);
        const ping = docker(
          booted.ports.docker,
          tls,
          ['exec', 'ovs-a', '/bin/busybox', 'ping', '-c', '3', '-W', '5', '10.77.0.2'],
          env,
        );
        expect(ping.status, `${ping.stdout}\n${ping.stderr}`).toBe(0);
        expect(ping.stdout).toMatch(/3 packets transmitted, 3 packets received/);
        // The packets crossed the bridge: both of its container ports counted them.
        const ports = onHost('ovs-vsctl list-ports br-e2e; ovs-ofctl --names dump-ports br-e2e');
        expect(ports.status, ports.stderr).toBe(0);
        expect(ports.stdout).toMatch(/^ovs-h0$/m);
        expect(ports.stdout).toMatch(/^ovs-h1$/m);
        // `port  "ovs-h0": rx pkts=5, bytes=…` (with --names; the quotes depend on the version).
        const rx = [...ports.stdout.matchAll(/port\s+"?(ovs-h\d)"?:\s*rx pkts=(\d+)/g)].map((m) =>
          Number(m[2]),
        );
        expect(rx, ports.stdout).toHaveLength(2);
        for (const n of rx) expect(n).toBeGreaterThanOrEqual(3);
      } finally {
        docker(booted.ports.docker, tls, ['rm', '-f', 'ovs-a', 'ovs-b'], env);
      }
    });
  });

  describe('cloud-init network config', () => {
    it('answers ARP for each static address on its own L2 link, from the MAC user-data matched', async () => {
      for (const [i, nic] of [lan, renamed].entries()) {
        const reply = peers[i].waitFor(
          (f) => arpReplyMac(f, nic.ip) !== undefined,
          15_000,
          `ARP reply for ${nic.ip}`,
        );
        peers[i].send(arpRequest('52:54:00:e2:e2:01', nic.ip.replace(/\d+$/, '1'), nic.ip));
        expect(arpReplyMac(await reply, nic.ip)).toBe(nic.mac);
      }
    });

    it('status.json on the card lists every interface with its addresses', async () => {
      // Read after the guest is off: it wrote the FAT, nothing else has it open then.
      await powerOff();
      const fat = { path: booted.image, offsetBytes: p1.offsetBytes };
      const status = JSON.parse((await readFat(fat, '/armada/status.json'))!.toString()) as {
        interfaces: Record<string, string[]>;
      };
      const ifaces = status.interfaces;
      console.info(`e2e network: ${consoleLine.trim()}\ntimings ${JSON.stringify(timings)}`);
      // match: the key "lan" is only an ID; the NIC keeps its kernel name (enp0s2 on virt).
      expect(Object.keys(ifaces)).not.toContain('lan');
      const withLan = Object.entries(ifaces).filter(([, a]) => a.includes(`${lan.ip}/24`));
      expect(withLan.map(([n]) => n)).toHaveLength(1);
      expect(withLan[0][0]).toMatch(/^enp0s\d+$/);
      // set-name: udev renamed the matched NIC at first boot.
      expect(ifaces[renamed.name]).toContain(`${renamed.ip}/24`);
      // The user NIC still has DHCP from the image's default network file (slirp: 10.0.2.15).
      expect(Object.values(ifaces).flat()).toContain('10.0.2.15/24');
      expect(Object.keys(ifaces)).not.toContain('lo');
    });
  });

  describe('re-seeded from another laptop for another user (what a re-seed revokes)', () => {
    let again: Booted;
    let newTls: Tls;
    afterAll(async () => {
      await again?.vm.stop();
    });

    /** A shell command on the re-seeded device, through Docker with the second laptop's bundle. */
    const onReseeded = (script: string) =>
      docker(
        again.ports.docker,
        newTls,
        [
          'run',
          '--rm',
          '--privileged',
          '-v',
          '/:/host',
          busyboxImage,
          '/bin/busybox',
          'chroot',
          '/host',
          '/bin/sh',
          '-ec',
          script,
        ],
        env2,
      );

    beforeAll(
      async () => {
        await powerOff();
        // The same card (a copy of the powered-off disk), configured as its new owner would.
        again = await bootCopy({
          source: booted.image,
          dir,
          name: 'device-reseeded',
          configure: [
            '--hostname',
            'e2e-dev',
            '--tls',
            'device',
            '--timezone',
            'UTC',
            '--user',
            'bob',
            '--ssh-key',
            `${bob}.pub`,
          ],
          env: env2,
          kernelArgs: ['systemd.default_device_timeout_sec=900'],
          ssh: true,
        });
        const fat = {
          path: again.image,
          offsetBytes: findBootPartition(await readPartitionTable(again.image)).offsetBytes,
        };
        const bundle = join(dir, 'reseeded-bundle');
        mkdirSync(bundle, { recursive: true });
        for (const f of ['ca.pem', 'cert.pem']) {
          const content = await readFat(fat, `/armada/client/${f}`);
          expect(content, `armada/client/${f} after the re-seed`).toBeDefined();
          writeFileSync(join(bundle, f), content!);
        }
        newTls = {
          ca: join(bundle, 'ca.pem'),
          cert: join(bundle, 'cert.pem'),
          key: join(env2.ARMADA_CONFIG_DIR, 'device-client', 'key.pem'),
        };
        await waitForDocker(again.vm, again.ports.docker, newTls, env2);
        importBusybox(again.ports.docker, newTls, dir, env2);
      },
      180_000 + bootCopyBudgetMs() + 240_000,
    );

    it('first boot said what it revoked: alice, and the old device CA', async () => {
      await again.vm.waitFor(
        /armada: user alice \(made by an earlier seed, not in this one\) revoked/,
        5_000,
        'the console line revoking alice',
      );
      await again.vm.waitFor(
        /armada: TLS: made a new device CA .*every client certificate the old CA signed is refused/,
        5_000,
        'the console line rotating the device CA',
      );
      expect(readFileSync(newTls.ca, 'utf8')).not.toBe(readFileSync(tls.ca, 'utf8'));
    });

    it('Docker refuses the first laptop’s certificate and accepts the second laptop’s', () => {
      const now = docker(
        again.ports.docker,
        newTls,
        ['version', '--format', '{{.Server.Version}}'],
        env2,
      );
      expect(now.status, now.stderr).toBe(0);
      // The first laptop's bundle as it holds it fails (its CA does not know the new server);
      // with the new CA as the anchor, the server itself refuses the old certificate.
      const old = docker(again.ports.docker, tls, ['version'], env, 60_000);
      expect(old.status).not.toBe(0);
      expect(old.stderr).toMatch(/certificate|tls/i);
      const oldCertNewCa = docker(
        again.ports.docker,
        { ...tls, ca: newTls.ca },
        ['version'],
        env,
        60_000,
      );
      expect(oldCertNewCa.status).not.toBe(0);
      expect(oldCertNewCa.stderr).toMatch(/certificate|tls/i);
    });

    it('alice cannot log in over SSH any more; bob can', async () => {
      const b = await waitForSsh(again.vm, again.ports.ssh!, 'bob', bob);
      expect(b.stdout.trim()).toBe('bob');
      const a = sshAs(again.ports.ssh!, 'alice', alice);
      expect(a.status, a.stdout).toBe(255);
      expect(a.stderr).toMatch(/Permission denied|expired/);
    });

    it('alice is locked and expired, has no authorized_keys, and is in neither docker nor sudo; bob is in docker', () => {
      const r = onReseeded(
        'getent shadow alice | cut -d: -f2,8; id -nG alice; test -e /home/alice/.ssh/authorized_keys && echo keys || echo no-keys; id -nG bob; cat /var/lib/armada/seeded-users /var/lib/armada/revoked-users',
      );
      expect(r.status, r.stderr).toBe(0);
      const [shadow, aliceGroups, keys, bobGroups, ...lists] = r.stdout.trim().split('\n');
      expect(shadow).toMatch(/^!.*:1$/);
      expect(aliceGroups.split(' ')).not.toContain('docker');
      expect(aliceGroups.split(' ')).not.toContain('sudo');
      expect(keys).toBe('no-keys');
      expect(bobGroups.split(' ')).toContain('docker');
      expect(lists).toEqual(['alice', 'bob', 'alice']);
    });
  });
});
