/**
 * Open vSwitch on a booted image built `--with ovs`: ovs-vswitchd runs from the first boot; a
 * bridge is made, each of two containers (started over the TLS endpoint) gets a veth whose other
 * end is a port of that bridge, and the containers ping each other through it. Everything on the
 * device side runs in the host's namespaces from a privileged container (chroot into the host's
 * root), the way an operator with only the Docker endpoint would do it.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeds } from '../helpers/needs.js';
import { e2eSkip } from './built-image.js';
import {
  armada,
  armadaAsync,
  bootCopy,
  bootCopyBudgetMs,
  docker,
  waitForDocker,
  type Booted,
  laptopClientTls,
} from './vm.js';
import { busyboxImage, importBusybox, type Tls } from './containers.js';
import { suiteTempDir } from '../helpers/tmp.js';
import { sshKeyPair } from '../helpers/tools.js';

const dir = e2eSkip ? '' : await suiteTempDir('armada-e2e-ovs-');
const env = { ARMADA_CONFIG_DIR: join(dir, 'laptop'), DOCKER_CONFIG: join(dir, 'docker-config') };

describeNeeds({ root: true }, 'Open vSwitch on an image built --with ovs', () => {
  let booted: Booted;
  let tls: Tls;
  let manifest: {
    options: { with: string[]; requireKernel: string[] };
    packages: { name: string }[];
  };
  afterAll(() => booted?.vm.stop());

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
        env,
        // Extending the cached default stage with Open vSwitch under qemu-user: ~5 min here.
        20 * 60_000,
      );
      expect(built.status, built.stderr.slice(-4000)).toBe(0);
      manifest = JSON.parse(built.stdout).manifest;
      sshKeyPair(dir);
      expect(armada(['ca', 'init'], env).status).toBe(0);
      booted = await bootCopy({
        source: join(out, 'armada-ovs.img'),
        dir,
        name: 'ovs',
        configure: ['--hostname', 'e2e-ovs', '--ssh-key', join(dir, 'id.pub')],
        env,
      });
      tls = laptopClientTls(env);
      await waitForDocker(booted.vm, booted.ports.docker, tls, env);
      importBusybox(booted.ports.docker, tls, dir, env);
    },
    20 * 60_000 + bootCopyBudgetMs(),
  );

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
      const pid = docker(booted.ports.docker, tls, ['inspect', '-f', '{{.State.Pid}}', name], env);
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
