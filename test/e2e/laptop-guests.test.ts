/**
 * The whole chain on the built image in laptop-CA mode, on as few boots as the checks allow: guest
 * a is seeded as a laptop would seed it (host name, SSH key, time zone, a bigger card, user-data
 * with a static address on a second NIC), booted in QEMU `virt` and talked to over TLS with the
 * real docker CLI: first boot's results, a container, the refusals, `armada connect`, a Compose
 * project with Debian 13's Compose v2 plugin on the laptop side. Then guest b boots on the same
 * private L2 (a QEMU socket netdev on 127.0.0.1: a listens, b connects) and `armada swarm` forms
 * a two-node swarm of a and b whose services run across it.
 *
 * Each guest has its user NIC (restrict=on, Docker's TLS port forwarded to 127.0.0.1) and the L2
 * NIC. armada talks only to the forwarded TLS ports; the swarm's own traffic (2377, 7946, VXLAN
 * 4789) runs on the private L2, chosen with --advertise-addr enp0s2 (on its user NIC each guest
 * has the same slirp address, 10.0.2.15). Every wait is bounded and prints the console on failure.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtImage, e2eSkip } from './built-image.js';
import {
  armada,
  armadaAsync,
  bootCopy,
  bootCopyBudgetMs,
  docker,
  dockerConnection,
  laptopClientTls,
  waitForDocker,
  type Booted,
} from './vm.js';
import { busyboxImage, importBusybox, readIdentity, type Tls } from './containers.js';
import { suiteTempDir } from '../helpers/tmp.js';
import { listFat, readFat } from '../../src/image/fat.js';
import { findBootPartition } from '../../src/image/partition-table.js';
import { readPartitionTable } from '../../src/image/read-partition-table.js';
import { describeNeeds } from '../helpers/needs.js';
import { debianPackage } from '../helpers/kernel-packages.js';
import { freePort } from '../helpers/qemu.js';
import { sshKeyPair } from '../helpers/tools.js';

const GiB = 1024 ** 3;
const dir = e2eSkip ? '' : await suiteTempDir('armada-e2e-laptop-');
const env = { ARMADA_CONFIG_DIR: join(dir, 'laptop'), DOCKER_CONFIG: join(dir, 'docker-config') };
const guests = [
  { name: 'e2e-swarm-a', mac: '52:54:00:99:01:0a', ip: '10.99.1.11' },
  { name: 'e2e-swarm-b', mac: '52:54:00:99:01:0b', ip: '10.99.1.12' },
] as const;
const started = Date.now();
const timings: Record<string, number> = {};
const mark = (k: string) => (timings[k] = Math.round((Date.now() - started) / 1000));

/** Debian 13's Compose v2 plugin for this host, where the docker CLI looks for plugins. */
function installComposePlugin(): void {
  const hostArch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
  const x = join(dir, 'compose-deb');
  execFileSync('dpkg-deb', ['-x', debianPackage(hostArch, 'docker-compose', 'trixie'), x]);
  mkdirSync(join(env.DOCKER_CONFIG, 'cli-plugins'), { recursive: true });
  copyFileSync(
    join(x, 'usr/libexec/docker/cli-plugins/docker-compose'),
    join(env.DOCKER_CONFIG, 'cli-plugins/docker-compose'),
  );
  execFileSync('chmod', ['0755', join(env.DOCKER_CONFIG, 'cli-plugins/docker-compose')]);
}

/** Resolves once something (QEMU's socket netdev) listens on 127.0.0.1:port. */
async function listening(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const inUse = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'EADDRINUSE'));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
    });
    if (inUse) return;
    if (Date.now() > deadline)
      throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => T | undefined,
  last: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}; last: ${last()}`);
    await new Promise((r) => setTimeout(r, 3000));
  }
}

/** A root shell command on a guest seeded with SSH over SSH (the seeded key, the login user's sudo). */
function rootShell(command: string, guest: Booted, timeoutMs = 120_000) {
  const r = spawnSync(
    'ssh',
    [
      '-i',
      join(dir, 'id'),
      '-p',
      String(guest.ports.ssh),
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'BatchMode=yes',
      '-o',
      'LogLevel=ERROR',
      'armada@127.0.0.1',
      'sudo sh -s',
    ],
    { input: command, encoding: 'utf8', timeout: timeoutMs },
  );
  return {
    status: r.status ?? -1,
    stdout: r.stdout ?? '',
    stderr: (r.stderr ?? '') + (r.error ? String(r.error) : ''),
  };
}

/** The guest's seed: its host name and a static address on the private L2 NIC (enp0s2). */
function bootGuest(
  i: 0 | 1,
  l2: number,
  extra: { configure: string[]; growBytes?: number; ssh?: boolean },
) {
  const g = guests[i];
  const userData = join(dir, `${g.name}.yaml`);
  writeFileSync(
    userData,
    `#cloud-config\nnetwork:\n  version: 2\n  ethernets:\n    enp0s2:\n      addresses: [${g.ip}/24]\n`,
  );
  return bootCopy({
    source: builtImage().image,
    dir,
    name: g.name,
    ...(extra.growBytes ? { growBytes: extra.growBytes } : {}),
    ...(extra.ssh ? { ssh: true } : {}),
    configure: ['--hostname', g.name, '--user-data', userData, ...extra.configure],
    env,
    // A second NIC: udev has needed more than systemd's default 90 s for the boot partition
    // on this loaded 2-core host (a harness setting, not the image's).
    kernelArgs: ['systemd.default_device_timeout_sec=900'],
    nics: [
      {
        netdev: i === 0 ? `socket,listen=127.0.0.1:${l2}` : `socket,connect=127.0.0.1:${l2}`,
        mac: g.mac,
      },
    ],
  });
}

describeNeeds({ root: true }, 'laptop-CA guests: first boot, Compose, a two-node swarm', () => {
  const booted: Booted[] = [];
  let tls: Tls;
  let l2 = 0;
  let sizeBefore = 0;
  const onGuestA = (command: string, timeoutMs?: number) =>
    rootShell(command, booted[0], timeoutMs);
  afterAll(async () => {
    console.info(`e2e laptop guests: seconds since the suite started ${JSON.stringify(timings)}`);
    for (const b of booted) await b.vm.stop();
  });

  beforeAll(async () => {
    const { image } = builtImage();
    sshKeyPair(dir);
    installComposePlugin();
    const init = armada(['ca', 'init'], env);
    expect(init.status, init.stderr).toBe(0);
    sizeBefore =
      Number(
        JSON.parse(execFileSync('sfdisk', ['--json', image], { encoding: 'utf8' })).partitiontable
          .partitions[1].size,
      ) * 512;
    l2 = await freePort();
    booted.push(
      await bootGuest(0, l2, {
        growBytes: 2 * GiB,
        configure: [
          '--ssh-key',
          join(dir, 'id.pub'),
          '--tls',
          'laptop',
          '--timezone',
          'Europe/Berlin',
        ],
        // The reliability checks run systemctl, journalctl and apt on the guest.
        ssh: true,
      }),
    );
    tls = laptopClientTls(env);
    await waitForDocker(booted[0].vm, booted[0].ports.docker, tls, env);
    // The figure issue #9 asks for (seed, boot and first boot until Docker answers over TLS).
    mark('aAnswersTls');
    process.stderr.write(
      `e2e first-boot (virt): docker over TLS ${timings.aAnswersTls} s after seeding began\n`,
    );
    importBusybox(booted[0].ports.docker, tls, dir, env);
  }, bootCopyBudgetMs() + 120_000);

  describe('first boot, laptop-CA mode (seeded by armada configure)', () => {
    it('answers docker version over TLS with the laptop certificate, and uses overlay2', () => {
      const a = booted[0];
      const v = docker(
        a.ports.docker,
        tls,
        ['version', '--format', '{{.Server.Os}}/{{.Server.Arch}}'],
        env,
      );
      expect(v.status, v.stderr).toBe(0);
      expect(v.stdout.trim()).toBe('linux/arm64');
      const info = docker(a.ports.docker, tls, ['info', '--format', '{{.Driver}}'], env);
      expect(info.stdout.trim()).toBe('overlay2');
    });

    it('runs a container', () => {
      const r = docker(
        booted[0].ports.docker,
        tls,
        ['run', '--rm', busyboxImage, '/bin/busybox', 'echo', 'hello from the pi'],
        env,
      );
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe('hello from the pi');
    });

    it('refuses a client without a certificate and one from another CA; nothing on 2375', () => {
      const a = booted[0];
      const none = docker(a.ports.docker, 'none', ['version'], env, 60_000);
      expect(none.status).not.toBe(0);
      const otherCfg = { ...env, ARMADA_CONFIG_DIR: join(dir, 'other-laptop') };
      expect(armada(['ca', 'init'], otherCfg).status).toBe(0);
      const o = join(otherCfg.ARMADA_CONFIG_DIR, 'client');
      // Trust the device's CA, but present a client certificate the device never signed.
      const other = docker(
        a.ports.docker,
        { ca: tls.ca, cert: join(o, 'cert.pem'), key: join(o, 'key.pem') },
        ['version'],
        env,
        60_000,
      );
      expect(other.status).not.toBe(0);
      expect(other.stderr).toMatch(/certificate|tls|remote error/i);
      const plain = docker(a.ports.insecure, 'none', ['version'], env, 60_000);
      expect(plain.status).not.toBe(0);
    });

    it('armada connect makes a docker context that works', () => {
      const c = armada(
        ['connect', '127.0.0.1', '--port', String(booted[0].ports.docker), '--name', 'e2e-pi'],
        env,
      );
      expect(c.status, c.stderr).toBe(0);
      const r = execFileSync(
        'docker',
        ['--context', 'e2e-pi', 'run', '--rm', busyboxImage, '/bin/busybox', 'uname', '-m'],
        { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 180_000 },
      );
      expect(r.trim()).toBe('aarch64');
    });

    it('removed the seeded keys from the boot partition and wrote status.json', async () => {
      const image = booted[0].image;
      const v = {
        path: image,
        offsetBytes: findBootPartition(await readPartitionTable(image)).offsetBytes,
      };
      const files = await listFat(v, '/armada');
      expect(files.filter((f) => /key/i.test(f) && f.includes('/tls/'))).toEqual([]);
      const status = JSON.parse((await readFat(v, '/armada/status.json'))!.toString());
      expect(status).toMatchObject({ hostname: guests[0].name, tlsMode: 'laptop' });
      const seedEnv = (await readFat(v, '/armada/seed.env'))?.toString() ?? '';
      expect(seedEnv).not.toMatch(/PASSWORD_HASH|WIFI_PSK/);
    });

    it('grew the root filesystem to fill the bigger card', () => {
      const r = docker(
        booted[0].ports.docker,
        tls,
        ['run', '--rm', '-v', '/:/host:ro', busyboxImage, '/bin/busybox', 'df', '-k', '/host'],
        env,
      );
      expect(r.status, r.stderr).toBe(0);
      const sizeKiB = Number(r.stdout.trim().split('\n').at(-1)!.split(/\s+/)[1]);
      expect(sizeKiB * 1024).toBeGreaterThan(sizeBefore + 1.5 * GiB);
    });
  });

  describe('reliability on a card: security updates, live-restore, bounded writes (guest a, defaults)', () => {
    it('Docker keeps containers across a restart of the daemon (live-restore)', () => {
      const r = docker(
        booted[0].ports.docker,
        tls,
        ['info', '--format', '{{.LiveRestoreEnabled}} {{.LoggingDriver}}'],
        env,
      );
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe('true json-file');
    });

    it('journald is volatile and capped, as the drop-in says; nothing under /var/log/journal', () => {
      const r = onGuestA(
        'systemd-analyze cat-config systemd/journald.conf | grep -E "^(Storage|RuntimeMaxUse|SystemMaxUse)="; ' +
          'journalctl --disk-usage; test ! -e /var/log/journal && echo no-persistent-journal; ' +
          'findmnt -no OPTIONS /',
      );
      expect(r.status, r.stderr).toBe(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines.slice(0, 3)).toEqual([
        'Storage=volatile',
        'RuntimeMaxUse=16M',
        'SystemMaxUse=64M',
      ]);
      expect(r.stdout).toMatch(/Archived and active journals take up [\d.]+[BKM]/);
      expect(r.stdout).toContain('no-persistent-journal');
      // The root's mount options from fstab (systemd-remount-fs applies them).
      expect(lines.at(-1)).toMatch(/\bnoatime\b.*\blazytime\b|\blazytime\b.*\bnoatime\b/);
      expect(lines.at(-1)).toMatch(/\bcommit=60\b/);
    });

    it('unattended-upgrades: enabled from apt-daily-upgrade.timer, the security suite only, no reboot', () => {
      const r = onGuestA(
        'systemctl is-enabled apt-daily-upgrade.timer apt-daily.timer unattended-upgrades.service; ' +
          'systemctl is-active apt-daily-upgrade.timer; ' +
          'apt-config dump APT::Periodic Unattended-Upgrade::Origins-Pattern Unattended-Upgrade::Automatic-Reboot',
      );
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^enabled\nenabled\nenabled\nactive\n/);
      expect(r.stdout).toContain('APT::Periodic::Update-Package-Lists "1";');
      expect(r.stdout).toContain('APT::Periodic::Unattended-Upgrade "1";');
      expect(r.stdout).toContain('Unattended-Upgrade::Automatic-Reboot "false";');
      const patterns = r.stdout
        .split('\n')
        .filter((l) => l.startsWith('Unattended-Upgrade::Origins-Pattern:: '));
      expect(patterns).toEqual([
        'Unattended-Upgrade::Origins-Pattern:: "origin=Debian,codename=${distro_codename}-security,label=Debian-Security";',
      ]);
    });

    it('a dry run against two local archives would upgrade the security package only', () => {
      // The guest reaches no archive: two flat file: archives made on the guest, one labelled as
      // Debian's security suite and one as the main suite, each with version 2.0 of a package
      // whose 1.0 is installed. unattended-upgrade --dry-run must pick the first only.
      const r = onGuestA(
        String.raw`set -eu
d=$(mktemp -d /var/tmp/uu-e2e.XXXXXX)
chmod 0755 "$d" # apt reads file: archives as _apt
codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
deb() { # name version
  mkdir -p "$d/src/$1-$2/DEBIAN"
  printf 'Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: armada e2e <e2e@example.invalid>\nDescription: armada e2e probe\n' "$1" "$2" >"$d/src/$1-$2/DEBIAN/control"
  dpkg-deb -Zgzip --build "$d/src/$1-$2" "$d/$1_$2_all.deb" >/dev/null
}
archive() { # dir codename label package
  mkdir -p "$d/$1"
  cp "$d/$4_2.0_all.deb" "$d/$1/"
  ( cd "$d/$1"
    { dpkg-deb -f "$4_2.0_all.deb"; printf 'Filename: ./%s\nSize: %s\nSHA256: %s\n\n' "$4_2.0_all.deb" "$(stat -c %s "$4_2.0_all.deb")" "$(sha256sum "$4_2.0_all.deb" | cut -d' ' -f1)"; } >Packages
    printf 'Origin: Debian\nLabel: %s\nSuite: %s\nCodename: %s\nDate: %s\nArchitectures: all arm64\nSHA256:\n %s %s Packages\n' \
      "$3" "$2" "$2" "$(date -Ru)" "$(sha256sum Packages | cut -d' ' -f1)" "$(stat -c %s Packages)" >Release )
  echo "deb [trusted=yes] file:$d/$1 ./" >>/etc/apt/sources.list.d/uu-e2e.list
}
for p in uu-e2e-security uu-e2e-main; do deb "$p" 1.0; deb "$p" 2.0; done
dpkg -i "$d/uu-e2e-security_1.0_all.deb" "$d/uu-e2e-main_1.0_all.deb" >/dev/null
archive sec "$codename-security" Debian-Security uu-e2e-security
archive main "$codename" Debian uu-e2e-main
apt-get update -o Dir::Etc::SourceParts=/nonexistent -o Dir::Etc::SourceList=/etc/apt/sources.list.d/uu-e2e.list >/dev/null
apt-cache policy uu-e2e-security uu-e2e-main | grep Candidate
unattended-upgrade --dry-run --debug 2>&1 | grep -E 'Allowed origins are|Packages that will be upgraded|No packages found' || true
rm -f /etc/apt/sources.list.d/uu-e2e.list
dpkg --purge uu-e2e-security uu-e2e-main >/dev/null
rm -rf "$d"`,
        300_000,
      );
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/Candidate: 2\.0\n.*Candidate: 2\.0/);
      expect(r.stdout).toMatch(
        /Allowed origins are: origin=Debian,codename=\w+-security,label=Debian-Security\n/,
      );
      expect(r.stdout).toMatch(/Packages that will be upgraded: uu-e2e-security\n/);
      expect(r.stdout).not.toMatch(/upgraded:.*uu-e2e-main/);
    });
  });

  describe('docker compose over TLS', () => {
    const project = `
services:
  web:
    image: ${busyboxImage}
    command: ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/etc"]
  client:
    image: ${busyboxImage}
    depends_on: [web]
    # Docker's DNS on the project network answers "web"; the web server serves its /etc/hostname.
    command:
      - /bin/busybox
      - sh
      - -c
      - for i in $$(/bin/busybox seq 1 60); do /bin/busybox wget -q -O - http://web:8080/hostname && exit 0; /bin/busybox sleep 1; done; exit 1
`;

    it('brings up a two-service project; one service reaches the other by name', () => {
      const projectDir = join(dir, 'project');
      mkdirSync(projectDir, { recursive: true });
      writeFileSync(join(projectDir, 'compose.yaml'), project);
      const tlsArgs = dockerConnection(booted[0].ports.docker, tls);
      const compose = (args: string[]) =>
        spawnSync('docker', [...tlsArgs, 'compose', '--project-directory', projectDir, ...args], {
          encoding: 'utf8',
          env: { ...process.env, ...env },
          timeout: 300_000,
        });
      const version = compose(['version', '--short']);
      expect(version.status, version.stderr).toBe(0);
      expect(version.stdout.trim()).toMatch(/^v?2\./);
      try {
        const up = compose(['up', '--exit-code-from', 'client', '--no-color']);
        expect(up.status, `${up.stdout}\n${up.stderr}`).toBe(0);
        // The client printed the web container's host name, which Docker sets to its short ID.
        expect(up.stdout).toMatch(/client-1\s+\|\s+[0-9a-f]{12}$/m);
      } finally {
        const down = compose(['down', '--timeout', '5']);
        expect(down.status, down.stderr).toBe(0);
      }
      mark('composeDone');
    });
  });

  describe('armada swarm with guest b on the same private L2', () => {
    let hosts: [string, string];

    beforeAll(async () => {
      // b connects to a's socket, which a's QEMU has listened on since it started.
      await listening(l2, 10_000);
      // dockerd refuses swarm mode with live-restore, which the image turns on: b is seeded
      // without it (the seed's way), a has it turned off on the running device below.
      booted.push(await bootGuest(1, l2, { configure: ['--no-live-restore'] }));
      await waitForDocker(booted[1].vm, booted[1].ports.docker, tls, env);
      mark('bAnswersTls');
      importBusybox(booted[1].ports.docker, tls, dir, env);
      hosts = [`127.0.0.1:${booted[0].ports.docker}`, `127.0.0.1:${booted[1].ports.docker}`];
    }, bootCopyBudgetMs() + 120_000);

    const onA = (args: string[], timeoutMs?: number) =>
      docker(booted[0].ports.docker, tls, args, env, timeoutMs);

    it('each guest made its own machine-id and SSH host keys from the same image', () => {
      const [a, b] = booted.map((g) => readIdentity(g.ports.docker, tls, env));
      for (const id of [a, b]) {
        expect(id.machineId).toMatch(/^[0-9a-f]{32}$/);
        expect(id.hostKey).toMatch(/^ssh-ed25519 /);
      }
      expect(b.machineId).not.toBe(a.machineId);
      expect(b.hostKey).not.toBe(a.hostKey);
    });

    it('b was seeded without live-restore; swarm up on a with live-restore on says how to fix it', async () => {
      const info = (i: 0 | 1) =>
        docker(booted[i].ports.docker, tls, ['info', '--format', '{{.LiveRestoreEnabled}}'], env);
      expect(info(1).stdout.trim()).toBe('false');
      expect(info(0).stdout.trim()).toBe('true');
      const refused = await armadaAsync(
        ['swarm', 'up', ...hosts, '--advertise-addr', 'enp0s2'],
        env,
        300_000,
      );
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toContain('--no-live-restore');
      // Refused before anything changed: b did not join a swarm either.
      const bState = docker(
        booted[1].ports.docker,
        tls,
        ['info', '--format', '{{.Swarm.LocalNodeState}}'],
        env,
      );
      expect(bState.stdout.trim()).toBe('inactive');
      // A running device: daemon.json edited and dockerd reloaded (live-restore is reloadable),
      // without restarting a container.
      const off = onGuestA(
        `sed -i 's/"live-restore": true/"live-restore": false/' /etc/docker/daemon.json && systemctl reload docker`,
      );
      expect(off.status, off.stderr).toBe(0);
      await until(
        'live-restore off on a',
        60_000,
        () => (info(0).stdout.trim() === 'false' ? true : undefined),
        () => info(0).stdout + info(0).stderr,
      );
    });

    it('swarm up forms the swarm over the private L2, without printing a join token', async () => {
      const up = await armadaAsync(
        ['swarm', 'up', ...hosts, '--advertise-addr', 'enp0s2'],
        env,
        300_000,
      );
      mark('swarmUp');
      console.info(`e2e swarm: armada swarm up\n${up.stderr}${up.stdout}`);
      expect(up.status, up.stderr).toBe(0);
      expect(up.stdout + up.stderr).not.toMatch(/SWMTKN-/);
      expect(up.stdout).toMatch(
        new RegExp(`initialised on ${hosts[0]}\n  joined: ${hosts[1]} as a worker\n`),
      );
      expect(up.stderr).toContain(`${hosts[1]}: joined as a worker (advertising enp0s2)`);
      const ls = armada(['swarm', 'ls', hosts[0], '--json'], env);
      expect(ls.status, ls.stderr).toBe(0);
      const r = JSON.parse(ls.stdout);
      expect(r.nodes).toHaveLength(2);
      const byName = Object.fromEntries(r.nodes.map((n: { hostname: string }) => [n.hostname, n]));
      expect(byName['e2e-swarm-a']).toMatchObject({
        role: 'manager',
        leader: true,
        reachability: 'reachable',
        status: 'ready',
        armadaHost: hosts[0],
      });
      expect(byName['e2e-swarm-b']).toMatchObject({
        role: 'worker',
        status: 'ready',
        armadaHost: hosts[1],
      });
      expect(byName['e2e-swarm-b'].engineVersion).toMatch(/^\d+\.\d+/);
      // The swarm advertises the L2 addresses, not the user NICs' shared slirp address.
      expect(byName['e2e-swarm-a'].address).toBe(guests[0].ip);
      expect(byName['e2e-swarm-b'].address).toBe(guests[1].ip);
    });

    it('swarm up again changes nothing; swarm ls shows both nodes', async () => {
      const again = await armadaAsync(
        ['swarm', 'up', ...hosts, '--advertise-addr', 'enp0s2'],
        env,
        120_000,
      );
      expect(again.status, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/nothing to do/);
      expect(again.stdout).toMatch(
        new RegExp(`already in the swarm: ${hosts[1]} \\(worker\\), unchanged`),
      );
      console.info(`e2e swarm: armada swarm up (again)\n${again.stderr}${again.stdout}`);
      const ls = armada(['swarm', 'ls', hosts[0]], env);
      expect(ls.status, ls.stderr).toBe(0);
      console.info(`e2e swarm: armada swarm ls\n${ls.stdout}`);
      expect(ls.stdout).toMatch(
        /e2e-swarm-a\s+127\.0\.0\.1:\d+\s+manager\s+active\s+ready\s+leader\s+\d+\.\d+/,
      );
      expect(ls.stdout).toMatch(/e2e-swarm-b\s+127\.0\.0\.1:\d+\s+worker\s+active\s+ready\s+-/);
      const fromWorker = armada(['swarm', 'ls', hosts[1]], env);
      expect(fromWorker.status).toBe(1);
      expect(fromWorker.stderr).toMatch(
        /is a worker; 'armada swarm ls' needs one of its managers \(at 10\.99\.1\.11:2377\)/,
      );
    });

    /** Node hostname of each running task of a service. */
    const runningOn = (service: string) => {
      const r = onA([
        'service',
        'ps',
        service,
        '--filter',
        'desired-state=running',
        '--format',
        '{{.Node}} {{.CurrentState}}',
      ]);
      return r.stdout
        .trim()
        .split('\n')
        .filter((l) => /\sRunning/.test(l))
        .map((l) => l.split(' ')[0])
        .sort();
    };
    const psText = (service: string) =>
      onA([
        'service',
        'ps',
        service,
        '--no-trunc',
        '--format',
        '{{.Node}} {{.CurrentState}} {{.Error}}',
      ]).stdout;

    it('a replicated service of an image imported on each node runs a task on each node', async () => {
      // A subnet of its own: the default pool (10.0.0.0/8) could hand out slirp's 10.0.2.0/24.
      const net = onA([
        'network',
        'create',
        '--driver',
        'overlay',
        '--subnet',
        '10.77.0.0/24',
        'e2e-net',
      ]);
      expect(net.status, net.stderr).toBe(0);
      const web = onA([
        'service',
        'create',
        '--detach',
        '--no-resolve-image',
        '--name',
        'web',
        '--network',
        'e2e-net',
        '--replicas',
        '2',
        '--env',
        'NODE={{.Node.Hostname}}',
        busyboxImage,
        '/bin/busybox',
        'sh',
        '-c',
        '/bin/busybox mkdir -p /www && echo "$NODE" > /www/index.html && exec /bin/busybox httpd -f -p 8080 -h /www',
      ]);
      expect(web.status, web.stderr).toBe(0);
      const nodes = await until(
        'a running web task on each node',
        240_000,
        () => {
          const on = runningOn('web');
          return on.join() === 'e2e-swarm-a,e2e-swarm-b' ? on : undefined;
        },
        () => psText('web'),
      );
      mark('webOnBoth');
      expect(nodes).toEqual(['e2e-swarm-a', 'e2e-swarm-b']);
    });

    it('a service on node b reaches web by name over the overlay network, and both web tasks answer', async () => {
      const probe = onA([
        'service',
        'create',
        '--detach',
        '--no-resolve-image',
        '--name',
        'probe',
        '--network',
        'e2e-net',
        '--restart-condition',
        'none',
        '--constraint',
        'node.hostname==e2e-swarm-b',
        busyboxImage,
        '/bin/busybox',
        'sh',
        '-c',
        'for i in 1 2 3 4 5 6 7 8; do /bin/busybox wget -q -O- http://web:8080/ || echo FAILED; done',
      ]);
      expect(probe.status, probe.stderr).toBe(0);
      await until(
        'the probe task to complete',
        180_000,
        () =>
          /Complete/.test(psText('probe'))
            ? true
            : /Failed|Rejected/.test(psText('probe'))
              ? false
              : undefined,
        () => psText('probe'),
      ).then((ok) => expect(ok, psText('probe')).toBe(true));
      const logs = onA(['service', 'logs', '--raw', 'probe']);
      expect(logs.status, logs.stderr).toBe(0);
      const answers = logs.stdout.trim().split('\n');
      console.info(
        `e2e swarm: the probe on e2e-swarm-b fetched http://web:8080/ 8 times: ${answers.join(' ')}`,
      );
      expect(answers).not.toContain('FAILED');
      // The VIP balances over both tasks: a's answer crossed the VXLAN overlay on the private L2.
      expect([...new Set(answers)].sort()).toEqual(['e2e-swarm-a', 'e2e-swarm-b']);
      mark('overlayByName');
    });

    it('docker stack deploy against the manager runs a stack across both nodes', async () => {
      const compose = join(dir, 'stack.yaml');
      writeFileSync(
        compose,
        [
          'services:',
          '  hello:',
          `    image: ${busyboxImage}`,
          '    command: ["/bin/busybox", "sleep", "3600"]',
          '    deploy:',
          '      replicas: 2',
          '      placement:',
          '        max_replicas_per_node: 1',
          '',
        ].join('\n'),
      );
      // The guests reach no registry: the image is the one imported on each node.
      const deploy = onA(['stack', 'deploy', '--resolve-image', 'never', '-c', compose, 'hello']);
      expect(deploy.status, deploy.stderr).toBe(0);
      const nodes = await until(
        'a running hello task on each node',
        240_000,
        () => {
          const on = runningOn('hello_hello');
          return on.join() === 'e2e-swarm-a,e2e-swarm-b' ? on : undefined;
        },
        () => psText('hello_hello'),
      );
      expect(nodes).toEqual(['e2e-swarm-a', 'e2e-swarm-b']);
      mark('stackOnBoth');
      const services = onA([
        'stack',
        'services',
        'hello',
        '--format',
        '{{.Name}} {{.Mode}} {{.Replicas}}',
      ]);
      console.info(
        `e2e swarm: docker stack deploy -c stack.yaml hello\n${deploy.stdout}$ docker stack services hello\n${services.stdout}`,
      );
      expect(services.stdout).toMatch(/hello_hello replicated 2\/2/);
      expect(onA(['stack', 'rm', 'hello']).status).toBe(0);
      await until(
        'the hello stack to be gone',
        120_000,
        () =>
          onA(['service', 'ls', '--format', '{{.Name}}']).stdout.includes('hello_')
            ? undefined
            : true,
        () => onA(['service', 'ls']).stdout,
      );
    });

    it('swarm leave drains b (its task moves to a) and b leaves; swarm join brings it back', async () => {
      const leave = await armadaAsync(
        ['swarm', 'leave', hosts[1], '--manager', hosts[0], '--json'],
        env,
        300_000,
      );
      mark('leave');
      console.info(`e2e swarm: armada swarm leave\n${leave.stderr}`);
      expect(leave.status, leave.stderr).toBe(0);
      expect(JSON.parse(leave.stdout).left).toMatchObject([{ host: hosts[1], wasManager: false }]);
      await until(
        'both web tasks running on e2e-swarm-a after the drain',
        180_000,
        () => (runningOn('web').join() === 'e2e-swarm-a,e2e-swarm-a' ? true : undefined),
        () => psText('web'),
      );
      const nodes = onA(['node', 'ls', '--format', '{{.Hostname}}']);
      expect(nodes.stdout.trim()).toBe('e2e-swarm-a');
      const info = docker(
        booted[1].ports.docker,
        tls,
        ['info', '--format', '{{.Swarm.LocalNodeState}}'],
        env,
      );
      expect(info.stdout.trim()).toBe('inactive');

      const joined = await armadaAsync(
        [
          'swarm',
          'join',
          hosts[1],
          '--manager',
          hosts[0],
          '--advertise-addr',
          `${hosts[1]}=${guests[1].ip}`,
        ],
        env,
        300_000,
      );
      expect(joined.status, joined.stderr).toBe(0);
      expect(joined.stdout).toMatch(new RegExp(`joined: ${hosts[1]} as a worker`));
      // The swarm does not move running tasks to a new node; a third replica goes to the emptier b.
      const scale = onA(['service', 'scale', '--detach', 'web=3']);
      expect(scale.status, scale.stderr).toBe(0);
      await until(
        'a third web task, on b',
        240_000,
        () =>
          runningOn('web').join() === 'e2e-swarm-a,e2e-swarm-a,e2e-swarm-b' ? true : undefined,
        () => psText('web'),
      );
      mark('rejoinedWithATask');
    });

    it('stopping b’s guest gets its task rescheduled on a', async () => {
      const stopped = Date.now();
      await booted[1].vm.stop();
      await until(
        'all three web tasks running on e2e-swarm-a',
        240_000,
        () =>
          runningOn('web').join() === 'e2e-swarm-a,e2e-swarm-a,e2e-swarm-a' ? true : undefined,
        () => psText('web'),
      );
      timings.rescheduledAfterStopS = Math.round((Date.now() - stopped) / 1000);
      mark('rescheduled');
      const ls = armada(['swarm', 'ls', hosts[0], '--json'], env);
      expect(ls.status, ls.stderr).toBe(0);
      const b = JSON.parse(ls.stdout).nodes.find(
        (n: { hostname: string }) => n.hostname === 'e2e-swarm-b',
      );
      expect(b.status).toBe('down');
    });
  });
});
