/**
 * Compose over TLS from the laptop: a two-service project brought up on the booted image through
 * its TLS endpoint with the Compose v2 CLI plugin on the host side (Debian 13's docker-compose
 * package, extracted for the test), and one service reaching the other by its name.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeds } from '../helpers/needs.js';
import { builtImage, e2eSkip } from './built-image.js';
import {
  armada,
  bootCopy,
  waitForDocker,
  type Booted,
  laptopClientTls,
  dockerConnection,
} from './vm.js';
import { busyboxImage, importBusybox, readThroughDocker, type Tls } from './containers.js';
import { suiteTempDir } from '../helpers/tmp.js';
import { debianPackage } from '../helpers/kernel-packages.js';
import { sshKeyPair } from '../helpers/tools.js';

const dir = e2eSkip ? '' : await suiteTempDir('armada-e2e-compose-');
const env = { ARMADA_CONFIG_DIR: join(dir, 'laptop'), DOCKER_CONFIG: join(dir, 'docker-config') };

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

describeNeeds({ root: true }, 'docker compose over TLS against the booted image', () => {
  let booted: Booted;
  let tls: Tls;
  afterAll(() => booted?.vm.stop());

  beforeAll(async () => {
    const { image } = builtImage();
    installComposePlugin();
    sshKeyPair(dir);
    expect(armada(['ca', 'init'], env).status).toBe(0);
    booted = await bootCopy({
      source: image,
      dir,
      name: 'compose',
      configure: ['--hostname', 'e2e-compose', '--ssh-key', join(dir, 'id.pub')],
      env,
    });
    tls = laptopClientTls(env);
    await waitForDocker(booted.vm, booted.ports.docker, tls, env);
    importBusybox(booted.ports.docker, tls, dir, env);
  }, 1_500_000);

  it('the device has the Compose v2 and buildx plugins too (Debian 13 image)', () => {
    const plugins = readThroughDocker(
      booted.ports.docker,
      tls,
      { '/usr/libexec/docker/cli-plugins': '/p' },
      '/bin/busybox ls /p',
      env,
    );
    expect(plugins.split('\n')).toEqual(
      expect.arrayContaining(['docker-compose', 'docker-buildx']),
    );
  });

  it('brings up a two-service project; one service reaches the other by name', () => {
    const projectDir = join(dir, 'project');
    mkdirSync(projectDir, { recursive: true });
    writeFileSync(join(projectDir, 'compose.yaml'), project);
    const tlsArgs = dockerConnection(booted.ports.docker, tls);
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
  });
});
