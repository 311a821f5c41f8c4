/**
 * What a re-seed revokes (SECURITY.md, "What a re-seed revokes"): the device CA is replaced when
 * the seed asks for it, brings a request for another key, or a login user is revoked, so every
 * client certificate the old CA signed is refused; users an earlier seed created and this one
 * does not name are locked, lose the keys armada wrote and the docker and sudo groups. Laptop-CA
 * mode: a seed with another CA replaces the old one. The TLS steps run real openssl in a temp dir;
 * chown is stubbed (no root needed). User changes run against stub useradd/usermod/gpasswd and a
 * passwd file of the test's own, never the machine's accounts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  createCa,
  createCsr,
  createKeyPem,
  issueServerCert,
  loadIssuer,
} from '../../../src/tls/certs.js';
import { renderSeedEnv } from '../../../src/seed/seed-env.js';
import { suiteTempDir } from '../../helpers/tmp.js';
import { describeNeeds, toolsReason } from '../../helpers/needs.js';
import { planned, q, runLib, shells, writeScript } from './run-sh.js';
import { firstBootPaths } from '../../../src/firstboot/plan.js';

const dir = await suiteTempDir('armada-firstboot-revoke-');
const script = writeScript(dir);
const read = (path: string) => readFileSync(path, 'utf8');
let n = 0;

/** Every file under `root`, recursively, with its text. */
const tree = (root: string): Record<string, string> =>
  existsSync(root)
    ? Object.fromEntries(
        (readdirSync(root, { recursive: true }) as string[])
          .filter((f) => statSync(join(root, f)).isFile())
          .map((f) => [f, read(join(root, f))]),
      )
    : {};

describeNeeds({ unless: toolsReason('openssl') }, 'a re-seed replaces the CA Docker trusts', () => {
  /** A device's boot partition, state and /etc/docker/tls in a temp dir, as shell assignments. */
  const device = () => {
    const base = join(dir, `tls${++n}`);
    for (const d of ['seed/tls', 'state', 'etc-docker'])
      mkdirSync(join(base, d), { recursive: true });
    const vars = `SEED_DIR=${q(join(base, 'seed'))}; STATE_DIR=${q(join(base, 'state'))}; TLS_DIR=${q(join(base, 'etc-docker/tls'))}; NETWORK_DIR=${q(join(base, 'none'))}; BOOT_DIR=${q(base)}; HOST=pi-7; S_TLS_MODE=''; clock_floor() { :; }; chown() { :; }; mountpoint() { return 0; };`;
    /** setup_tls as first boot runs it; `seed` is shell run first (S_ROTATE_CA=…). */
    const setup = (mode: 'device' | 'laptop', seed = '') => {
      const r = runLib(
        script,
        `${vars} TLS_MODE=${mode}; ${seed} setup_tls >/dev/null; echo "rc=$?"`,
      );
      expect(r.stdout, r.stderr).toBe('rc=0\n');
      return r.stderr;
    };
    const csr = async (key: string) =>
      writeFileSync(join(base, 'seed/tls/client.csr'), await createCsr(key, 'me@laptop'));
    const file = (p: string) => join(base, p);
    /** Does Docker's CA (what dockerd's --tlscacert is) accept this client certificate? */
    const dockerTrusts = (certPath: string) =>
      spawnSync(
        'openssl',
        [
          'verify',
          '-no_check_time',
          '-purpose',
          'sslclient',
          '-CAfile',
          file('etc-docker/tls/ca.pem'),
          certPath,
        ],
        { encoding: 'utf8' },
      ).status === 0;
    const keep = (from: string, name: string) => {
      writeFileSync(file(name), read(file(from)));
      return file(name);
    };
    return { base, vars, setup, csr, file, dockerTrusts, keep };
  };

  test('device CA: a request for another key rotates the CA; the old client certificate is refused, the new one accepted', async () => {
    const d = device();
    const laptop1 = await createKeyPem();
    await d.csr(laptop1);
    expect(d.setup('device')).toContain('TLS: made a device CA and a server certificate for pi-7');
    const old = d.keep('seed/client/cert.pem', 'old-cert.pem');
    const oldCa = read(d.file('etc-docker/tls/ca.pem'));
    expect(d.dockerTrusts(old)).toBe(true);

    // The same laptop re-seeds (armada configure makes a fresh request for the same key): kept.
    await d.csr(laptop1);
    expect(d.setup('device')).not.toContain('new device CA');
    expect(read(d.file('etc-docker/tls/ca.pem'))).toBe(oldCa);

    // Another laptop's request: a new CA, which signs it; the old certificate is refused.
    const laptop2 = await createKeyPem();
    await d.csr(laptop2);
    const said = d.setup('device');
    expect(said).toContain(
      "made a new device CA and server certificate for pi-7 (the seed's certificate request is for another key than the one signed before): every client certificate the old CA signed is refused",
    );
    expect(read(d.file('etc-docker/tls/ca.pem'))).not.toBe(oldCa);
    expect(d.dockerTrusts(old)).toBe(false);
    const fresh = d.keep('seed/client/cert.pem', 'new-cert.pem');
    expect(d.dockerTrusts(fresh)).toBe(true);
    // tls_check: the new server certificate is the new CA's, with its key.
    expect(
      runLib(script, `tls_check ${q(d.file('etc-docker/tls'))} >/dev/null 2>&1 && echo ok`).stdout,
    ).toBe('ok\n');
    // The old CA is nowhere any more: not installed, not in the state, not on the card.
    for (const root of ['etc-docker', 'state', 'seed'])
      for (const [f, text] of Object.entries(tree(d.file(root))))
        expect(text.includes(oldCa.trim()), `${root}/${f}`).toBe(false);

    // A retry of the same seed keeps the new CA.
    const newCa = read(d.file('etc-docker/tls/ca.pem'));
    expect(d.setup('device')).not.toContain('new device CA');
    expect(read(d.file('etc-docker/tls/ca.pem'))).toBe(newCa);
  });

  test('ROTATE_CA (configure --rotate-ca) rotates once per seed; a certificate signed over SSH goes too', async () => {
    const d = device();
    const laptop = await createKeyPem();
    await d.csr(laptop);
    d.setup('device');
    // Another laptop signed in over SSH (armada connect --ssh): sign-client.
    writeFileSync(d.file('ssh.csr'), await createCsr(await createKeyPem(), 'other@laptop'));
    const signed = runLib(script, `${d.vars} sign_client_stdin <${q(d.file('ssh.csr'))}`);
    expect(signed.status, signed.stderr).toBe(0);
    writeFileSync(
      d.file('ssh-cert.pem'),
      signed.stdout.split(/(?=-----BEGIN CERTIFICATE-----)/)[1],
    );
    expect(d.dockerTrusts(d.file('ssh-cert.pem'))).toBe(true);
    const seedCert = d.keep('seed/client/cert.pem', 'seed-cert.pem');

    await d.csr(laptop);
    expect(d.setup('device', 'S_ROTATE_CA=r1;')).toContain(
      'made a new device CA and server certificate for pi-7 (the seed asks for one (ROTATE_CA))',
    );
    expect(d.dockerTrusts(d.file('ssh-cert.pem'))).toBe(false);
    expect(d.dockerTrusts(seedCert)).toBe(false);
    expect(d.dockerTrusts(d.file('seed/client/cert.pem'))).toBe(true);
    expect(read(d.file('state/ca-rotated'))).toBe('r1\n');
    // The seed stays on the card: the next boot that runs first boot again does not rotate again.
    const ca = read(d.file('etc-docker/tls/ca.pem'));
    expect(d.setup('device', 'S_ROTATE_CA=r1;')).not.toContain('new device CA');
    expect(read(d.file('etc-docker/tls/ca.pem'))).toBe(ca);
    expect(d.setup('device', 'S_ROTATE_CA=r2;')).toContain('(ROTATE_CA)');
  });

  test('a revoked login user (the rotate-ca mark apply_user leaves) rotates the CA once', async () => {
    const d = device();
    await d.csr(await createKeyPem());
    d.setup('device');
    const ca = read(d.file('etc-docker/tls/ca.pem'));
    writeFileSync(d.file('state/rotate-ca'), '');
    expect(d.setup('device')).toContain('(a login user was revoked)');
    expect(read(d.file('etc-docker/tls/ca.pem'))).not.toBe(ca);
    expect(existsSync(d.file('state/rotate-ca'))).toBe(false);
  });

  test('laptop CA: a seed with another CA replaces the old one; its client certificates are refused', async () => {
    const d = device();
    const seedLaptop = async (name: string) => {
      const ca = await createCa(name);
      const issuer = await loadIssuer(ca);
      const server = await issueServerCert(issuer, 'pi-7');
      writeFileSync(d.file('seed/tls/ca.pem'), ca.certPem);
      writeFileSync(d.file('seed/tls/server.pem'), server.certPem);
      writeFileSync(d.file('seed/tls/server-key.pem'), server.keyPem);
      // A client certificate of that CA, made with openssl like any client's.
      const key = d.file(`${name}-client-key.pem`);
      const req = d.file(`${name}-client.csr`);
      writeFileSync(key, await createKeyPem());
      writeFileSync(req, await createCsr(read(key), `${name} client`));
      writeFileSync(d.file(`${name}-ca-key.pem`), ca.keyPem);
      const cert = d.file(`${name}-client.pem`);
      const s = runLib(
        script,
        `printf '[e]\\nextendedKeyUsage=clientAuth\\n' >${q(d.file('ext.cnf'))}; openssl x509 -req -in ${q(req)} -CA ${q(d.file('seed/tls/ca.pem'))} -CAkey ${q(d.file(`${name}-ca-key.pem`))} -set_serial 1 -days 30 -extfile ${q(d.file('ext.cnf'))} -extensions e -out ${q(cert)} 2>&1`,
      );
      expect(existsSync(cert), s.stdout).toBe(true);
      return { caPem: ca.certPem, cert };
    };
    const first = await seedLaptop('old-laptop');
    d.setup('laptop');
    expect(d.dockerTrusts(first.cert)).toBe(true);
    const second = await seedLaptop('new-laptop');
    expect(d.setup('laptop')).toContain("installed the certificates your laptop's CA made");
    expect(read(d.file('etc-docker/tls/ca.pem'))).toBe(second.caPem);
    expect(d.dockerTrusts(first.cert)).toBe(false);
    expect(d.dockerTrusts(second.cert)).toBe(true);
    const caLine = first.caPem.split('\n')[1];
    for (const root of ['etc-docker', 'state'])
      for (const [f, text] of Object.entries(tree(d.file(root))))
        expect(text.includes(caLine), `the old CA in ${root}/${f}`).toBe(false);
  });
});

describe('a re-seed revokes the login users earlier seeds created', () => {
  /**
   * A passwd file of the test's own with the image's user pi (uid 1000) in it, and stubs for
   * the account tools that log what they were asked to do. Groups: every user is in docker,
   * sudo and adm (id -nG), so the test sees which ones gpasswd is told to drop.
   */
  const machine = (shell: string) => {
    const base = join(dir, `users${++n}`);
    for (const d of ['seed', 'state', 'home', 'sudoers.d'])
      mkdirSync(join(base, d), { recursive: true });
    writeFileSync(join(base, 'passwd'), `pi:x:1000:1000::${join(base, 'home/pi')}:/bin/bash\n`);
    mkdirSync(join(base, 'home/pi/.ssh'), { recursive: true });
    writeFileSync(join(base, 'home/pi/.ssh/authorized_keys'), 'ssh-ed25519 AAAA pi@image\n');
    const stubs = `
      P=${q(join(base, 'passwd'))}; CALLS=${q(join(base, 'calls'))}; HOMES=${q(join(base, 'home'))}
      getent() { case $1 in passwd) grep "^$2:" "$P" ;; group) return 0 ;; *) return 2 ;; esac; }
      useradd() { for _a; do :; done; _n=$(($(wc -l <"$P") + 1000)); echo "$_a:x:$_n:$_n::$HOMES/$_a:/bin/bash" >>"$P"; mkdir -p "$HOMES/$_a"; echo "useradd $_a" >>"$CALLS"; }
      usermod() { echo "usermod $*" >>"$CALLS"; }
      gpasswd() { echo "gpasswd $*" >>"$CALLS"; }
      chpasswd() { cat >/dev/null; }
      id() { case $1 in -nG) echo "$2 docker sudo adm" ;; -gn) echo "$2" ;; esac; }
      install() { for _a; do :; done; mkdir -p "$_a"; }
      chown() { :; }
      visudo() { :; }
      write_sshd_dropin() { :; }
      SEED_DIR=${q(join(base, 'seed'))}; STATE_DIR=${q(join(base, 'state'))}; SUDOERS=${q(join(base, 'sudoers.d/90-armada'))}
      RPIOS_SSH=''; S_PASSWORD_HASH=''; S_USER_SUDO_SET=1; S_USER_SUDO='ALL=(ALL) NOPASSWD:ALL'`;
    /** One first boot's user step with a seed for `user` and its key. */
    const seed = (user: string) => {
      writeFileSync(join(base, 'seed/authorized_keys'), `ssh-ed25519 AAAA ${user}@laptop\n`);
      writeFileSync(join(base, 'seed/seed.env'), renderSeedEnv({ USERNAME: user }));
      writeFileSync(join(base, 'calls'), '');
      const r = runLib(
        script,
        `${stubs}; LOGIN_USER=${user}; apply_user >/dev/null; echo "rc=$?"`,
        shell,
      );
      expect(r.stdout, r.stderr).toBe('rc=0\n');
      return { said: r.stderr, calls: read(join(base, 'calls')).split('\n').filter(Boolean) };
    };
    const keys = (user: string) => join(base, `home/${user}/.ssh/authorized_keys`);
    const list = (name: string) =>
      existsSync(join(base, 'state', name))
        ? read(join(base, 'state', name))
            .split('\n')
            .filter(Boolean)
        : [];
    return { base, seed, keys, list, sudoers: () => read(join(base, 'sudoers.d/90-armada')) };
  };

  test.each(shells)(
    '%s: alice, then bob: alice is locked, loses her keys, docker and sudo; pi is left alone',
    (shell) => {
      const m = machine(shell);
      const first = m.seed('alice');
      expect(first.calls).toEqual(['useradd alice', 'usermod -p * alice']);
      expect(m.list('seeded-users')).toEqual(['alice']);
      expect(read(m.keys('alice'))).toContain('alice@laptop');
      expect(m.sudoers()).toContain('alice ALL=(ALL) NOPASSWD:ALL');

      const second = m.seed('bob');
      expect(second.calls).toEqual([
        'usermod -L -e 1 alice',
        'gpasswd -d alice docker',
        'gpasswd -d alice sudo',
        'useradd bob',
        'usermod -p * bob',
      ]);
      expect(second.said).toContain(
        'user alice (made by an earlier seed, not in this one) revoked: account locked and expired, SSH keys removed, out of the docker and sudo groups',
      );
      expect(existsSync(m.keys('alice'))).toBe(false);
      expect(read(m.keys('bob'))).toContain('bob@laptop');
      expect(m.sudoers()).not.toContain('alice');
      expect(m.sudoers()).toContain('bob ALL=(ALL) NOPASSWD:ALL');
      expect(m.list('seeded-users')).toEqual(['alice', 'bob']);
      expect(m.list('revoked-users')).toEqual(['alice']);
      // The device CA goes too (setup_tls reads the mark): she may hold a certificate it signed.
      expect(existsSync(join(m.base, 'state/rotate-ca'))).toBe(true);
      // The image's own user was never the seed's: untouched, keys and all.
      expect(second.calls.join('\n')).not.toMatch(/\bpi\b/);
      expect(read(m.keys('pi'))).toBe('ssh-ed25519 AAAA pi@image\n');

      // A retry of the same seed revokes nobody again.
      expect(m.seed('bob').calls).toEqual([
        'usermod -aG docker,adm,systemd-journal,users,dialout,plugdev,netdev,video,audio,gpio,i2c,spi bob',
      ]);

      // alice named again: unlocked without her old password; bob revoked.
      const third = m.seed('alice');
      expect(third.calls).toEqual([
        'usermod -L -e 1 bob',
        'gpasswd -d bob docker',
        'gpasswd -d bob sudo',
        'usermod -aG docker,adm,systemd-journal,users,dialout,plugdev,netdev,video,audio,gpio,i2c,spi alice',
        'usermod -p * -e  alice',
      ]);
      expect(m.list('revoked-users')).toEqual(['bob']);
      expect(read(m.keys('alice'))).toContain('alice@laptop');
    },
  );

  test('a seed naming the image’s user does not make it armada’s: a later seed leaves it alone', () => {
    const m = machine('dash');
    expect(m.seed('pi').calls).toEqual([expect.stringMatching(/^usermod -aG .* pi$/)]);
    expect(m.list('seeded-users')).toEqual([]);
    expect(m.seed('bob').calls).toEqual(['useradd bob', 'usermod -p * bob']);
  });

  test('a revoked user’s ~/.ssh that is a link is not followed', () => {
    const m = machine('dash');
    m.seed('alice');
    // alice points ~/.ssh at a directory that is not hers (root's, say).
    const elsewhere = join(m.base, 'root-ssh');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'authorized_keys'), 'ssh-ed25519 AAAA root@admin\n');
    spawnSync('rm', ['-rf', join(m.base, 'home/alice/.ssh')]);
    spawnSync('ln', ['-s', elsewhere, join(m.base, 'home/alice/.ssh')]);
    const r = m.seed('bob');
    expect(r.calls[0]).toBe('usermod -L -e 1 alice');
    expect(r.said).toContain('.ssh of alice is a symbolic link');
    expect(read(join(elsewhere, 'authorized_keys'))).toBe('ssh-ed25519 AAAA root@admin\n');
  });
});

describe('firstboot.sh without a command runs first boot only from systemd on an armada image', () => {
  test('by hand (no INVOCATION_ID), or without /etc/armada/image.env: refused, main never runs', () => {
    const img = join(dir, 'image.env');
    writeFileSync(img, "ARMADA_VERSION='1.2.3'\n");
    const run = (env: string) =>
      runLib(script, `main() { echo MAIN; }; ${env} main_from_systemd; echo "rc=$?"`);
    const byHand = run(`unset INVOCATION_ID; IMAGE_ENV=${q(img)};`);
    expect(byHand.stdout).toBe('');
    expect(byHand.status).toBe(2);
    expect(byHand.stderr).toContain('runs only as armada-firstboot.service on an armada image');
    const notArmada = run(`INVOCATION_ID=abc; IMAGE_ENV=${q(join(dir, 'absent'))};`);
    expect(notArmada.status).toBe(2);
    expect(run(`INVOCATION_ID=abc; IMAGE_ENV=${q(img)};`).stdout).toBe('MAIN\nrc=0\n');
  });

  // Never run the script itself without a command here: were the guard broken, first boot would
  // rewrite the test machine's host name, SSH host keys and motd (it did once, as root). The
  // dispatch is checked as text instead.
  test('the command dispatch: no command goes through the guard; main runs nowhere else; unknown commands are refused', () => {
    const text = planned(firstBootPaths.script);
    const dispatch = text.slice(text.lastIndexOf('case ${1:-} in'));
    expect(dispatch).toMatch(/^ {2}''\) main_from_systemd ;;$/m);
    expect(dispatch).toMatch(
      /^ {2}\*\)\n {4}echo "armada: firstboot\.sh: unknown command '\$1'.*\n {4}exit 2\n/m,
    );
    expect(text.match(/^\s*main$/gm)).toEqual(['  main']);
    expect(text).toMatch(/main_from_systemd\(\) \{\n(?:.*\n)+? {2}main\n\}/);
  });
});
