/**
 * `armada swarm` on two booted copies of the image. Each guest has its user NIC (restrict=on,
 * Docker's TLS port forwarded to 127.0.0.1) and a second NIC on a private L2 of the test's own
 * (QEMU socket netdev: listen on one guest, connect on the other) with a static address from the
 * seed's user-data. armada talks only to the forwarded TLS ports; the swarm's own traffic (2377,
 * 7946, VXLAN 4789) runs on the private L2, chosen with --advertise-addr enp0s2 (on its user NIC
 * each guest has the same slirp address, 10.0.2.15).
 *
 * Then: `swarm up` forms the swarm (and a second run changes nothing); a replicated service of an
 * image imported on each node runs a task on each; a service on node b reaches the other service
 * by name across the overlay network and gets answers from both nodes; `swarm leave` drains b
 * (its task moves to a) and b leaves; `swarm join` brings it back and a third replica lands on it;
 * stopping b's guest gets that task rescheduled on a. Every wait is bounded.
 */
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeds } from '../helpers/needs.js';
import { builtImage, e2eSkip } from './built-image.js';
import {
  armada,
  armadaAsync,
  bootCopy,
  docker,
  laptopClientTls,
  waitForDocker,
  type Booted,
} from './vm.js';
import { busyboxImage, importBusybox, type Tls } from './containers.js';
import { freePort } from '../helpers/qemu.js';
import { suiteTempDir } from '../helpers/tmp.js';

const dir = e2eSkip ? '' : await suiteTempDir('armada-e2e-swarm-');
const env = { ARMADA_CONFIG_DIR: join(dir, 'laptop'), DOCKER_CONFIG: join(dir, 'docker-config') };
const guests = [
  { name: 'e2e-swarm-a', mac: '52:54:00:99:01:0a', ip: '10.99.1.11' },
  { name: 'e2e-swarm-b', mac: '52:54:00:99:01:0b', ip: '10.99.1.12' },
] as const;

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

describeNeeds({ root: true }, 'armada swarm on two guests on one private L2', () => {
  const booted: Booted[] = [];
  let tls: Tls;
  let hosts: [string, string];
  const timings: Record<string, number> = {};
  const started = Date.now();
  const mark = (k: string) => (timings[k] = Math.round((Date.now() - started) / 1000));

  afterAll(async () => {
    console.info(`e2e swarm: seconds since the suite started ${JSON.stringify(timings)}`);
    for (const b of booted) await b.vm.stop();
  });

  beforeAll(async () => {
    const { image } = builtImage();
    const init = armada(['ca', 'init'], env);
    expect(init.status, init.stderr).toBe(0);
    const l2 = await freePort();
    const boot = (i: 0 | 1) => {
      const g = guests[i];
      const userData = join(dir, `${g.name}.yaml`);
      writeFileSync(
        userData,
        `#cloud-config\nnetwork:\n  version: 2\n  ethernets:\n    enp0s2:\n      addresses: [${g.ip}/24]\n`,
      );
      return bootCopy({
        source: image,
        dir,
        name: g.name,
        configure: ['--hostname', g.name, '--user-data', userData],
        env,
        firstBootTimeoutMs: 1_500_000,
        kernelArgs: ['systemd.default_device_timeout_sec=900'],
        nics: [
          {
            netdev: i === 0 ? `socket,listen=127.0.0.1:${l2}` : `socket,connect=127.0.0.1:${l2}`,
            mac: g.mac,
          },
        ],
      });
    };
    // b connects to a's socket, so a's QEMU must listen first; then both boot at once.
    const a = boot(0);
    a.catch(() => undefined);
    await listening(l2, 120_000);
    const results = await Promise.allSettled([a, boot(1)]);
    for (const r of results) if (r.status === 'fulfilled') booted.push(r.value);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    mark('bothBooted');
    tls = laptopClientTls(env);
    for (const b of booted) await waitForDocker(b.vm, b.ports.docker, tls, env, 600_000);
    mark('bothAnswerTls');
    hosts = [`127.0.0.1:${booted[0].ports.docker}`, `127.0.0.1:${booted[1].ports.docker}`];
  }, 2_400_000);

  const onA = (args: string[], timeoutMs?: number) =>
    docker(booted[0].ports.docker, tls, args, env, timeoutMs);

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
    for (const b of booted) importBusybox(b.ports.docker, tls, dir, env);
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

    const join = await armadaAsync(
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
    expect(join.status, join.stderr).toBe(0);
    expect(join.stdout).toMatch(new RegExp(`joined: ${hosts[1]} as a worker`));
    // The swarm does not move running tasks to a new node; a third replica goes to the emptier b.
    const scale = onA(['service', 'scale', '--detach', 'web=3']);
    expect(scale.status, scale.stderr).toBe(0);
    await until(
      'a third web task, on b',
      240_000,
      () => (runningOn('web').join() === 'e2e-swarm-a,e2e-swarm-a,e2e-swarm-b' ? true : undefined),
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
      () => (runningOn('web').join() === 'e2e-swarm-a,e2e-swarm-a,e2e-swarm-a' ? true : undefined),
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
