/**
 * The whole chain on the built image: seed it as a laptop would, boot it in QEMU, and talk to
 * Docker over TLS with the real docker CLI. Then a second copy, unseeded (device-CA mode), whose
 * client bundle is fetched from the card. Every wait is bounded and prints the console on failure.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtImage, e2eSkip } from './built-image.js';
import { armada, bootCopy, docker, waitForDocker, type Booted } from './vm.js';
import { suiteTempDir } from '../helpers/tmp.js';
import { importBusybox as importBusyboxImage, type Tls } from './containers.js';
import { listFat, readFat } from '../../src/image/fat.js';
import { findBootPartition } from '../../src/image/partition-table.js';
import { readPartitionTable } from '../../src/image/read-partition-table.js';

const GiB = 1024 ** 3;
const dir = e2eSkip ? '' : await suiteTempDir('armada-e2e-');
const env = { ARMADA_CONFIG_DIR: join(dir, 'laptop'), DOCKER_CONFIG: join(dir, 'docker-config') };
const identities: { machineId: string; hostKey: string }[] = [];

async function fat(image: string) {
  const table = await readPartitionTable(image);
  return { path: image, offsetBytes: findBootPartition(table).offsetBytes };
}

/** Machine-id and SSH host key, read through Docker from the host's root (bind mount). */
function identity(port: number, tls: Tls): { machineId: string; hostKey: string } {
  const r = docker(
    port,
    tls,
    [
      'run',
      '--rm',
      '-v',
      '/etc:/host-etc:ro',
      'e2e-busybox',
      '/bin/busybox',
      'sh',
      '-c',
      'cat /host-etc/machine-id /host-etc/ssh/ssh_host_ed25519_key.pub',
    ],
    env,
  );
  expect(r.status, r.stderr).toBe(0);
  const [machineId, hostKey] = r.stdout.trim().split('\n');
  return { machineId: machineId, hostKey: hostKey };
}

function importBusybox(port: number, tls: Tls): void {
  importBusyboxImage(port, tls, dir, env);
}

describe.skipIf(e2eSkip)('first boot, laptop-CA mode (seeded by armada configure)', () => {
  let booted: Booted;
  let tls: Tls;
  let sizeBefore = 0;
  afterAll(() => booted?.vm.stop());

  beforeAll(async () => {
    const { image } = builtImage();
    execFileSync('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'e2e',
      '-f',
      join(dir, 'id_ed25519'),
    ]);
    const init = armada(['ca', 'init'], env);
    expect(init.status, init.stderr).toBe(0);
    sizeBefore =
      Number(
        JSON.parse(execFileSync('sfdisk', ['--json', image], { encoding: 'utf8' })).partitiontable
          .partitions[1].size,
      ) * 512;
    booted = await bootCopy({
      source: image,
      dir,
      name: 'laptop',
      growBytes: 2 * GiB,
      configure: [
        '--hostname',
        'e2e-pi',
        '--ssh-key',
        join(dir, 'id_ed25519.pub'),
        '--tls',
        'laptop',
        '--timezone',
        'Europe/Berlin',
      ],
      env,
    });
    const client = join(env.ARMADA_CONFIG_DIR, 'client');
    tls = {
      ca: join(client, 'ca.pem'),
      cert: join(client, 'cert.pem'),
      key: join(client, 'key.pem'),
    };
    await waitForDocker(booted.vm, booted.ports.docker, tls, env);
  }, 1_500_000);

  it('answers docker version over TLS with the laptop certificate, and uses overlay2', () => {
    const v = docker(
      booted.ports.docker,
      tls,
      ['version', '--format', '{{.Server.Os}}/{{.Server.Arch}}'],
      env,
    );
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout.trim()).toBe('linux/arm64');
    const info = docker(booted.ports.docker, tls, ['info', '--format', '{{.Driver}}'], env);
    expect(info.stdout.trim()).toBe('overlay2');
  });

  it('runs a container', () => {
    importBusybox(booted.ports.docker, tls);
    const r = docker(
      booted.ports.docker,
      tls,
      ['run', '--rm', 'e2e-busybox', '/bin/busybox', 'echo', 'hello from the pi'],
      env,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('hello from the pi');
  });

  it('refuses a client without a certificate and one from another CA; nothing on 2375', () => {
    const none = docker(booted.ports.docker, 'none', ['version'], env, 60_000);
    expect(none.status).not.toBe(0);
    const otherCfg = { ...env, ARMADA_CONFIG_DIR: join(dir, 'other-laptop') };
    expect(armada(['ca', 'init'], otherCfg).status).toBe(0);
    const o = join(otherCfg.ARMADA_CONFIG_DIR, 'client');
    // Trust the device's CA, but present a client certificate the device never signed.
    const other = docker(
      booted.ports.docker,
      { ca: tls.ca, cert: join(o, 'cert.pem'), key: join(o, 'key.pem') },
      ['version'],
      env,
      60_000,
    );
    expect(other.status).not.toBe(0);
    expect(other.stderr).toMatch(/certificate|tls|remote error/i);
    const plain = docker(booted.ports.insecure, 'none', ['version'], env, 60_000);
    expect(plain.status).not.toBe(0);
  });

  it('armada connect makes a docker context that works', () => {
    const c = armada(
      ['connect', '127.0.0.1', '--port', String(booted.ports.docker), '--name', 'e2e-pi'],
      env,
    );
    expect(c.status, c.stderr).toBe(0);
    const r = spawnDocker([
      '--context',
      'e2e-pi',
      'run',
      '--rm',
      'e2e-busybox',
      '/bin/busybox',
      'uname',
      '-m',
    ]);
    expect(r.trim()).toBe('aarch64');
  });

  it('removed the seeded keys from the boot partition and wrote status.json', async () => {
    const v = await fat(booted.image);
    const files = await listFat(v, '/armada');
    expect(files.filter((f) => /key/i.test(f) && f.includes('/tls/'))).toEqual([]);
    const status = JSON.parse((await readFat(v, '/armada/status.json'))!.toString());
    expect(status).toMatchObject({ hostname: 'e2e-pi', tlsMode: 'laptop' });
    const seedEnv = (await readFat(v, '/armada/seed.env'))?.toString() ?? '';
    expect(seedEnv).not.toMatch(/PASSWORD_HASH|WIFI_PSK/);
  });

  it('grew the root filesystem to fill the bigger card', () => {
    const r = docker(
      booted.ports.docker,
      tls,
      ['run', '--rm', '-v', '/:/host:ro', 'e2e-busybox', '/bin/busybox', 'df', '-k', '/host'],
      env,
    );
    expect(r.status, r.stderr).toBe(0);
    const sizeKiB = Number(r.stdout.trim().split('\n').at(-1)!.split(/\s+/)[1]);
    expect(sizeKiB * 1024).toBeGreaterThan(sizeBefore + 1.5 * GiB);
    identities.push(identity(booted.ports.docker, tls));
  });

  function spawnDocker(args: string[]): string {
    return execFileSync('docker', args, {
      encoding: 'utf8',
      env: { ...process.env, ...env },
      timeout: 180_000,
    });
  }
});

describe.skipIf(e2eSkip)('first boot, device-CA mode (no seed at all)', () => {
  let booted: Booted;
  let tls: Tls;
  afterAll(() => booted?.vm.stop());

  beforeAll(async () => {
    const { image } = builtImage();
    booted = await bootCopy({ source: image, dir, name: 'device', env });
    // The client bundle first boot left on the card, as `armada connect --from-card` reads it.
    const v = await fat(booted.image);
    const bundle = join(dir, 'device-bundle');
    mkdirSync(bundle, { recursive: true });
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) {
      const content = await readFat(v, `/armada/client/${f}`);
      expect(content, `armada/client/${f} on the boot partition`).toBeDefined();
      writeFileSync(join(bundle, f), content!);
    }
    tls = {
      ca: join(bundle, 'ca.pem'),
      cert: join(bundle, 'cert.pem'),
      key: join(bundle, 'key.pem'),
    };
    await waitForDocker(booted.vm, booted.ports.docker, tls, env);
  }, 1_500_000);

  it('comes up as "armada" with a TLS endpoint the card’s client bundle can use', async () => {
    const status = JSON.parse(
      (await readFat(await fat(booted.image), '/armada/status.json'))!.toString(),
    );
    expect(status).toMatchObject({ hostname: 'armada', tlsMode: 'device' });
    const v = docker(booted.ports.docker, tls, ['version', '--format', '{{.Server.Version}}'], env);
    expect(v.status, v.stderr).toBe(0);
    expect(readFileSync(tls.key, 'utf8')).toMatch(/PRIVATE KEY/);
  });

  it('armada connect --from-card fetches the bundle and reports the host ready', () => {
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
  });

  it('made its own machine-id and SSH host keys, different from the other card’s', () => {
    importBusybox(booted.ports.docker, tls);
    const mine = identity(booted.ports.docker, tls);
    expect(mine.machineId).toMatch(/^[0-9a-f]{32}$/);
    expect(mine.hostKey).toMatch(/^ssh-ed25519 /);
    expect(identities, 'the laptop-CA boot recorded its identity').toHaveLength(1);
    expect(mine.machineId).not.toBe(identities[0].machineId);
    expect(mine.hostKey).not.toBe(identities[0].hostKey);
  });
});
