/**
 * A card as a Raspberry Pi OS user prepares it, with no armada seed: Raspberry Pi Imager 2's
 * NoCloud files (user-data, network-config, meta-data) plus Raspberry Pi OS's `ssh` and
 * `userconf.txt` written to the FAT of a plain copy of the built image, which boots as it is.
 * First boot must create the user with that password hash, turn on SSH password login (the `ssh`
 * file), name user-data and network-config as not applied (console and status.json), and take
 * `ssh` and `userconf.txt` off the card, bytes included. Docker over TLS is reached the way
 * `armada connect --ssh` does it: the device CA signs the laptop's request over SSH.
 *
 * That configure imports Imager's files into an armada seed is proven without a boot
 * (test/integration/seed/configure.test.ts): the seed it writes is the one every other guest boots.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { builtImage, e2eSkip } from './built-image.js';
import { bootCopy, bootCopyBudgetMs, docker, waitForDocker, type Booted } from './vm.js';
import { suiteTempDir } from '../helpers/tmp.js';
import { describeNeeds } from '../helpers/needs.js';
import { listFat, readFat, writeFat } from '../../src/image/fat.js';
import { findBootPartition } from '../../src/image/partition-table.js';
import { readPartitionTable } from '../../src/image/read-partition-table.js';
import { hashSeedPassword } from '../../src/seed/sha512-crypt.js';

const dir = e2eSkip ? '' : await suiteTempDir('armada-e2e-rpios-');
const env = {
  ARMADA_CONFIG_DIR: join(dir, 'laptop'),
  DOCKER_CONFIG: join(dir, 'docker-config'),
  HOME: dir,
};
const fixtures = new URL('../fixtures/seed/imager2/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, fixtures), 'utf8');
const password = 'e2e-rpios-Pa55word';

async function fatOf(image: string) {
  return {
    path: image,
    offsetBytes: findBootPartition(await readPartitionTable(image)).offsetBytes,
  };
}

/** ssh as pi to the forwarded port with a password, through SSH_ASKPASS (no sshpass needed). */
function ssh(port: number, pass: string, command: string, input?: string) {
  const askpass = join(dir, 'askpass.sh');
  writeFileSync(askpass, `#!/bin/sh\necho '${pass}'\n`);
  chmodSync(askpass, 0o700);
  const r = spawnSync(
    'ssh',
    [
      '-p',
      String(port),
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      `UserKnownHostsFile=${join(dir, 'known_hosts')}`,
      '-o',
      'ConnectTimeout=10',
      '-o',
      'PubkeyAuthentication=no',
      '-o',
      'PreferredAuthentications=password,keyboard-interactive',
      '-o',
      'NumberOfPasswordPrompts=1',
      'pi@127.0.0.1',
      command,
    ],
    {
      encoding: 'utf8',
      input,
      timeout: 60_000,
      env: { ...process.env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' },
    },
  );
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

describeNeeds({ root: true }, 'a card with Raspberry Pi OS files and no armada seed', () => {
  let b: Booted;
  afterAll(() => b?.vm.stop());

  beforeAll(async () => {
    b = await bootCopy({
      source: builtImage().image,
      dir,
      name: 'rpios',
      env,
      ssh: true,
      beforeBoot: async (img) => {
        const v = await fatOf(img);
        await writeFat(v, '/user-data', fixture('user-data'));
        await writeFat(v, '/network-config', fixture('network-config'));
        await writeFat(v, '/meta-data', fixture('meta-data'));
        await writeFat(v, '/ssh', '');
        await writeFat(v, '/userconf.txt', `pi:${hashSeedPassword(password)}\n`);
      },
    });
  }, bootCopyBudgetMs() + 60_000);

  it('the console names what first boot applied and what it did not, with why', () => {
    const log = b.vm.logTail(400);
    expect(log).toMatch(/armada: no armada seed: applying Raspberry Pi OS's userconf\.txt ssh/);
    expect(log).toMatch(
      /armada: WARNING: user-data on the boot partition is not applied: .*armada configure/,
    );
    expect(log).toMatch(/armada: WARNING: network-config on the boot partition is not applied/);
  });

  it('pi logs in over SSH with the password from userconf.txt; sshd is enabled; the hash is set', () => {
    const r = ssh(
      b.ports.ssh!,
      password,
      'id -un; systemctl is-enabled ssh; sudo -n cut -d: -f1,2 /etc/shadow | grep ^pi:',
    );
    expect(r.status, r.stderr).toBe(0);
    const [user, enabled, shadow] = r.stdout.trim().split('\n');
    expect(user).toBe('pi');
    expect(enabled).toBe('enabled');
    expect(shadow).toMatch(/^pi:\$6\$/);
    expect(ssh(b.ports.ssh!, 'wrong-password', 'true').status).not.toBe(0);
  });

  it('Docker over TLS: the device CA signs the laptop’s request over SSH, as connect --ssh does', async () => {
    const key = join(dir, 'client-key.pem');
    execFileSync('openssl', [
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-out',
      key,
    ]);
    const csr = execFileSync('openssl', ['req', '-new', '-key', key, '-subj', '/CN=e2e-laptop'], {
      encoding: 'utf8',
    });
    const signed = ssh(
      b.ports.ssh!,
      password,
      'sudo -n /usr/local/lib/armada/firstboot.sh sign-client',
      csr,
    );
    expect(signed.status, signed.stderr).toBe(0);
    const [ca, cert] = signed.stdout.split(/(?=-----BEGIN CERTIFICATE-----)/);
    writeFileSync(join(dir, 'ca.pem'), ca);
    writeFileSync(join(dir, 'cert.pem'), cert);
    const tls = { ca: join(dir, 'ca.pem'), cert: join(dir, 'cert.pem'), key };
    await waitForDocker(b.vm, b.ports.docker, tls, env);
    const v = docker(b.ports.docker, tls, ['version', '--format', '{{.Server.Version}}'], env);
    expect(v.status, v.stderr).toBe(0);
  });

  it('status.json lists the files applied and those not applied', async () => {
    // Read after QEMU stops: the guest wrote the FAT, nothing else has it open then.
    await b.vm.stop();
    const v = await fatOf(b.image);
    const status = JSON.parse((await readFat(v, '/armada/status.json'))!.toString());
    expect(status.ok).toBe(true);
    expect(status.bootFiles.applied).toEqual(['userconf.txt', 'ssh']);
    expect(status.bootFiles.ignored.map((i: { file: string }) => i.file)).toEqual([
      'user-data',
      'network-config',
    ]);
  });

  it('ssh and userconf.txt are gone from the FAT, their bytes too; Imager’s files stay', async () => {
    const v = await fatOf(b.image);
    const root = await listFat(v, '/');
    expect(root).not.toContain('/ssh');
    expect(root).not.toContain('/userconf.txt');
    expect(root).toContain('/user-data');
    const p1 = findBootPartition(await readPartitionTable(b.image));
    const fat = Buffer.alloc(p1.sizeBytes);
    const fd = openSync(b.image, 'r');
    try {
      readSync(fd, fat, 0, p1.sizeBytes, p1.offsetBytes);
    } finally {
      closeSync(fd);
    }
    expect(fat.includes('pi:$6$'), 'the userconf.txt line is nowhere on the FAT').toBe(false);
  });
});
