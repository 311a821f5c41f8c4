import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { firstBootPaths } from '../../../src/firstboot/plan.js';
import { renderSeedEnv } from '../../../src/seed/seed-env.js';
import { suiteTempDir } from '../../helpers/tmp.js';
import { planned, q, runLib, shells, writeScript } from './run-sh.js';
import { describeNeeds, toolsReason } from '../../helpers/needs.js';

const dir = await suiteTempDir('armada-firstboot-steps-');
const script = writeScript(dir);
const read = (path: string) => readFileSync(path, 'utf8');
let n = 0;
/** A fresh seed dir, state dir and image.env for one test, as shell assignments. */
function sandbox(seedEnv?: string, image = "ARMADA_VERSION='1.2.3'\nINSECURE_TCP='0'\n") {
  const base = join(dir, `s${++n}`);
  mkdirSync(join(base, 'seed'), { recursive: true });
  mkdirSync(join(base, 'state'));
  if (seedEnv !== undefined) writeFileSync(join(base, 'seed/seed.env'), seedEnv);
  writeFileSync(join(base, 'image.env'), image);
  const vars = `SEED_DIR=${q(join(base, 'seed'))}; STATE_DIR=${q(join(base, 'state'))}; IMAGE_ENV=${q(join(base, 'image.env'))}; TLS_DIR=${q(join(base, 'tls'))}; FIRST_RUN=1; FAILED='';`;
  return { base, vars };
}

describeNeeds({ unless: toolsReason('shellcheck') }, 'shellcheck', () => {
  test('firstboot.sh and update-resolv-conf.sh are clean as POSIX sh', () => {
    for (const [name, path] of [
      ['firstboot.sh', firstBootPaths.script],
      ['update-resolv-conf.sh', '/usr/local/lib/armada/update-resolv-conf.sh'],
    ]) {
      const file = join(dir, `check-${name}`);
      writeFileSync(file, planned(path));
      const r = spawnSync('shellcheck', ['-s', 'sh', '-S', 'style', file], { encoding: 'utf8' });
      expect(r.stdout + r.stderr, name).toBe('');
      expect(r.status).toBe(0);
    }
  });

  test.each(shells)('%s parses the whole script', (shell) => {
    expect(spawnSync(shell, ['-n', script]).status).toBe(0);
  });
});

describe('load_settings', () => {
  const show = 'load_settings >/dev/null; echo "$HOST|$LOGIN_USER|$TLS_MODE|$INSECURE"';

  test('no seed at all: hostname armada, no login user, device CA, and it says so', () => {
    const { base, vars } = sandbox();
    const r = runLib(script, `${vars} SEED_DIR=${q(join(base, 'absent'))}; ${show}`);
    expect(r.stdout).toBe('armada||device|0\n');
    expect(r.stderr).toContain('no seed (armada/ on the boot partition)');
  });

  test('keys without USERNAME make the user armada; laptop TLS when the seed has certificates', () => {
    const { base, vars } = sandbox(renderSeedEnv({ HOSTNAME: 'pi-1', TLS_MODE: 'laptop' }));
    writeFileSync(join(base, 'seed/authorized_keys'), 'ssh-ed25519 AAAA test\n');
    mkdirSync(join(base, 'seed/tls'));
    writeFileSync(join(base, 'seed/tls/server.pem'), 'x');
    expect(runLib(script, `${vars} ${show}`).stdout).toBe('pi-1|armada|laptop|0\n');
  });

  test('no keys and no password hash: no login user even with USERNAME (never a default password)', () => {
    const { vars } = sandbox(renderSeedEnv({ USERNAME: 'pirate', TLS_MODE: 'device' }));
    expect(runLib(script, `${vars} ${show}`).stdout).toBe('armada||device|0\n');
  });

  test('bad values are warnings and fall back: host name, user name, TLS mode', () => {
    const { vars } = sandbox(
      renderSeedEnv({
        HOSTNAME: 'Bad_Name!',
        USERNAME: 'root',
        PASSWORD_HASH: '$6$x$y',
        TLS_MODE: 'both',
      }),
    );
    const r = runLib(script, `${vars} ${show}`);
    expect(r.stdout).toBe('armada||device|0\n');
    expect(r.stderr).toContain("HOSTNAME 'bad_name!' is not a valid host name");
    expect(r.stderr).toContain("USERNAME 'root' is not usable");
    expect(r.stderr).toContain("TLS_MODE 'both' is neither laptop nor device");
  });

  test.each(['nobody', 'sshd', 'www-data', 'systemd-foo', 'docker'])(
    'USERNAME %s (a system account) gets no login, so never the docker group',
    (name) => {
      const { base, vars } = sandbox(renderSeedEnv({ USERNAME: name }));
      writeFileSync(join(base, 'seed/authorized_keys'), 'ssh-ed25519 AAAA test\n');
      const r = runLib(script, `${vars} ${show}`);
      expect(r.stdout).toBe('armada||device|0\n');
      expect(r.stderr).toContain(`USERNAME '${name}' is not usable`);
    },
  );

  test('an existing account is a login user only with a uid from 1000 to 59999', () => {
    const uids = ['0', '999', '1000', '59999', '60000', '65534', '', 'x1'];
    const r = runLib(
      script,
      `for u in ${uids.map(q).join(' ')}; do valid_login_uid "$u" && printf '%s ' "$u"; done`,
    );
    expect(r.stdout).toBe('1000 59999 ');
  });

  test('upper-case host names are lowered; INSECURE_TCP from the seed or the image', () => {
    const seeded = sandbox(renderSeedEnv({ HOSTNAME: 'Pi-2', INSECURE_TCP: '1' }));
    expect(runLib(script, `${seeded.vars} ${show}`).stdout).toBe('pi-2||device|1\n');
    const image = sandbox(renderSeedEnv({}), "ARMADA_VERSION='1.2.3'\nINSECURE_TCP='1'\n");
    expect(runLib(script, `${image.vars} ${show}`).stdout).toBe('armada||device|1\n');
  });

  test('a scrub cut off between its two renames is finished', () => {
    const { base, vars } = sandbox();
    writeFileSync(join(base, 'seed/seed.env.new'), renderSeedEnv({ HOSTNAME: 'pi-5' }));
    expect(runLib(script, `${vars} ${show}`).stdout).toBe('pi-5||device|0\n');
    expect(existsSync(join(base, 'seed/seed.env'))).toBe(true);
  });
});

describe('the first-boot log', () => {
  test.each(shells)('%s: open_log makes it 0600, also when an older run left it 0644', (shell) => {
    const { base } = sandbox();
    const log = join(base, 'log/armada-firstboot.log');
    const fresh = runLib(script, `LOG=${q(log)}; open_log; echo hi`, shell);
    expect(fresh.status).toBe(0);
    expect(statSync(log).mode & 0o777).toBe(0o600);
    expect(read(log)).toBe('hi\n');
    chmodSync(log, 0o644);
    runLib(script, `LOG=${q(log)}; open_log; echo again`, shell);
    expect(statSync(log).mode & 0o777).toBe(0o600);
    expect(read(log)).toBe('hi\nagain\n');
  });

  test('first boot, the runcmd service and the interfaces report all open it that way', () => {
    const text = planned(firstBootPaths.script);
    expect(text.match(/^\s*exec 3>&1 >>"\$LOG" 2>&1$/gm)).toHaveLength(1);
    expect(text).toMatch(/main\(\) \{[^}]*\n {2}open_log\n/);
    expect(text).toMatch(/run_pending_runcmd\(\) \{\n {2}open_log\n/);
    expect(text).toMatch(/report_interfaces\(\) \{\n {2}open_log\n/);
  });
});

describe('mDNS (setup_mdns)', () => {
  test.each(['laptop', 'device'])(
    '%s mode: the image’s service gets tlsmode= and ca=<sha256> TXT records, once',
    async (mode) => {
      const { base, vars } = sandbox();
      const service = join(base, 'docker.service');
      writeFileSync(service, planned('/etc/avahi/services/docker.service'));
      mkdirSync(join(base, 'tls'));
      const { createCa, certSha256Hex } = await import('../../../src/tls/certs.js');
      const ca = await createCa('test');
      writeFileSync(join(base, 'tls/ca.pem'), ca.certPem);
      writeFileSync(join(base, 'state/tls-mode'), `${mode}\n`);
      const run = () =>
        runLib(script, `${vars} HOST=pi-1; AVAHI_SERVICE=${q(service)}; setup_mdns >/dev/null`);
      expect(run().status).toBe(0);
      expect(run().status).toBe(0);
      const text = read(service);
      const records = [...text.matchAll(/<txt-record>([^<]*)<\/txt-record>/g)].map((m) => m[1]);
      expect(records).toEqual([
        'tls=1',
        'armada=1.2.3',
        `tlsmode=${mode}`,
        `ca=${certSha256Hex(ca.certPem)}`,
        'swarm=none',
      ]);
      expect(text).toContain(`    <txt-record>tlsmode=${mode}</txt-record>\n`);
      expect(statSync(service).mode & 0o777).toBe(0o644);
    },
  );
});

describe('the swarm TXT hint (swarm_hint, from armada-swarm-hint.timer)', () => {
  test.each([
    ['active true', 'manager'],
    ['active false', 'worker'],
    ['inactive false', 'none'],
    ['pending false', 'none'],
    ['', 'none'],
  ])('docker info says "%s": %s', (info, role) => {
    expect(runLib(script, `swarm_role ${q(info)}`).stdout).toBe(`${role}\n`);
  });

  test('swarm_state reads docker info’s text (Docker 20.10)', () => {
    const manager =
      'Client:\n Context:    default\n\nServer:\n Containers: 1\n Swarm: active\n  NodeID: x1\n  Is Manager: true\n  ClusterID: c1\n Runtimes: runc\n';
    const inactive = 'Server:\n Containers: 0\n Swarm: inactive\n Runtimes: runc\n';
    const role = (text: string) =>
      runLib(script, `printf '%s' ${q(text)} | swarm_state | { read -r s m; swarm_role "$s $m"; }`)
        .stdout;
    expect(role(manager)).toBe('manager\n');
    expect(role(manager.replace('Is Manager: true', 'Is Manager: false'))).toBe('worker\n');
    expect(role(inactive)).toBe('none\n');
  });

  test('set_swarm_txt replaces the record after armada=, and leaves the file alone when it says so already', () => {
    const { base } = sandbox();
    const service = join(base, 'docker.service');
    writeFileSync(service, planned('/etc/avahi/services/docker.service'));
    const set = (role: string) =>
      runLib(script, `AVAHI_SERVICE=${q(service)}; set_swarm_txt ${role}; echo "rc=$?"`);
    const records = () =>
      [...read(service).matchAll(/<txt-record>([^<]*)<\/txt-record>/g)].map((m) => m[1]);
    expect(set('manager').stdout).toBe('rc=0\n');
    expect(records()).toEqual(['tls=1', 'armada=1.2.3', 'swarm=manager']);
    expect(read(service)).toContain('    <txt-record>swarm=manager</txt-record>\n');
    const before = statSync(service).mtimeMs;
    const ino = statSync(service).ino;
    expect(set('manager').stdout).toBe('rc=0\n');
    expect(statSync(service).ino).toBe(ino);
    expect(statSync(service).mtimeMs).toBe(before);
    set('worker');
    expect(records()).toEqual(['tls=1', 'armada=1.2.3', 'swarm=worker']);
    expect(statSync(service).mode & 0o777).toBe(0o644);
  });
});

describe('scrub_seed', () => {
  const seed = renderSeedEnv({
    HOSTNAME: 'pi-1',
    PASSWORD_HASH: '$6$salt$hash',
    WIFI_SSID: 'net',
    WIFI_PSK: 'a'.repeat(64),
  });

  test('removes the server key, PASSWORD_HASH and WIFI_PSK; keeps everything else', () => {
    const { base, vars } = sandbox(seed);
    mkdirSync(join(base, 'seed/tls'));
    writeFileSync(join(base, 'seed/tls/server.pem'), 'cert');
    writeFileSync(join(base, 'seed/tls/server-key.pem'), 'key');
    expect(runLib(script, `${vars} scrub_seed >/dev/null; echo "rc=$?"`).stdout).toBe('rc=0\n');
    expect(read(join(base, 'seed/seed.env'))).toBe(
      renderSeedEnv({ HOSTNAME: 'pi-1', WIFI_SSID: 'net' }),
    );
    expect(existsSync(join(base, 'seed/tls/server-key.pem'))).toBe(false);
    expect(read(join(base, 'seed/tls/server.pem'))).toBe('cert');
    expect(existsSync(join(base, 'seed/seed.env.new'))).toBe(false);
  });

  test('write_files and runcmd leave the card once applied, overwritten first', () => {
    const { base, vars } = sandbox(seed);
    mkdirSync(join(base, 'seed/files'));
    writeFileSync(join(base, 'seed/files.tsv'), '/root/.env\t0600\troot:root\t0\tfiles/1\n');
    writeFileSync(join(base, 'seed/files/1'), 'TOKEN=s3cret\n');
    writeFileSync(join(base, 'seed/runcmd.sh'), "docker login -p 'hunter2' registry\n");
    writeFileSync(join(base, 'seed/user-data'), '#cloud-config\n');
    // shred is watched: it is what overwrites the clusters before the name goes.
    const r = runLib(
      script,
      `${vars} shred() { for a; do :; done; echo "shred $a" >&2; command shred "$@"; }; scrub_seed >/dev/null; echo "rc=$?"`,
    );
    expect(r.stdout).toBe('rc=0\n');
    for (const f of ['files.tsv', 'files/1', 'runcmd.sh']) {
      expect(existsSync(join(base, 'seed', f)), f).toBe(false);
      expect(r.stderr).toContain(`shred ${join(base, 'seed', f)}`);
    }
    expect(existsSync(join(base, 'seed/files'))).toBe(false);
    // An older armada's copy of user-data (comments, apt proxy credentials) goes too.
    expect(existsSync(join(base, 'seed/user-data'))).toBe(false);
    expect(r.stderr).toContain(`shred ${join(base, 'seed/user-data')}`);
    // A failed step keeps its input for the retry.
    const kept = sandbox(seed);
    writeFileSync(join(kept.base, 'seed/files.tsv'), 'x\n');
    writeFileSync(join(kept.base, 'seed/runcmd.sh'), 'true\n');
    runLib(script, `${kept.vars} FAILED=' write-files runcmd'; scrub_seed >/dev/null`);
    expect(existsSync(join(kept.base, 'seed/files.tsv'))).toBe(true);
    expect(existsSync(join(kept.base, 'seed/runcmd.sh'))).toBe(true);
  });

  test('armada.old/ and armada.new/ of an interrupted configure are overwritten and deleted', () => {
    const watch = `shred() { for a; do :; done; echo "shred $a" >&2; command shred "$@"; };`;
    const { base, vars } = sandbox(seed);
    const left = {
      'seed.old/seed.env': seed,
      'seed.old/tls/server-key.pem': 'old key',
      'seed.new/seed.env': seed,
    };
    for (const [f, text] of Object.entries(left)) {
      mkdirSync(join(base, f, '..'), { recursive: true });
      writeFileSync(join(base, f), text);
    }
    const r = runLib(script, `${vars} ${watch} FAILED=' tls'; scrub_seed >/dev/null; echo "rc=$?"`);
    expect(r.stdout).toBe('rc=0\n');
    for (const f of Object.keys(left)) expect(r.stderr).toContain(`shred ${join(base, f)}`);
    expect(existsSync(join(base, 'seed.old'))).toBe(false);
    expect(existsSync(join(base, 'seed.new'))).toBe(false);
    expect(r.stderr).toContain('removed seed.old/ from the boot partition (left by an interrupted');
    expect(existsSync(join(base, 'seed/seed.env'))).toBe(true);
    // Without armada/ (cut off between the renames) the next configure puts armada.old/ back.
    const cut = sandbox();
    execFileSync('mv', [join(cut.base, 'seed'), join(cut.base, 'seed.old')]);
    writeFileSync(join(cut.base, 'seed.old/seed.env'), seed);
    runLib(script, `${cut.vars} scrub_seed >/dev/null`);
    expect(read(join(cut.base, 'seed.old/seed.env'))).toBe(seed);
  });

  test('a secret whose step failed stays for the retry', () => {
    const { base, vars } = sandbox(seed);
    mkdirSync(join(base, 'seed/tls'));
    writeFileSync(join(base, 'seed/tls/server-key.pem'), 'key');
    runLib(script, `${vars} FAILED=' user tls'; scrub_seed >/dev/null`);
    expect(read(join(base, 'seed/seed.env'))).toContain('PASSWORD_HASH=');
    expect(read(join(base, 'seed/seed.env'))).not.toContain('WIFI_PSK=');
    expect(existsSync(join(base, 'seed/tls/server-key.pem'))).toBe(true);
  });
});

describe('status.json', () => {
  test('contract fields, ok and failed steps; valid JSON with odd characters', () => {
    const ok = runLib(
      script,
      `status_json pi-1 tcp://pi-1.local:2376 laptop ab12 cd34 17 0 1.2.3 ''`,
    ).stdout;
    expect(JSON.parse(ok)).toEqual({
      hostname: 'pi-1',
      endpoint: 'tcp://pi-1.local:2376',
      tlsMode: 'laptop',
      serverCertSha256: 'ab12',
      caCertSha256: 'cd34',
      seconds: 17,
      insecureTcp: false,
      version: '1.2.3',
      ok: true,
      failedSteps: [],
      bootFiles: { applied: [], ignored: [] },
      interfaces: {},
    });
    const failed = runLib(script, `status_json 'a"b\\c' e none '' '' 3 1 v 'tls docker'`).stdout;
    expect(JSON.parse(failed)).toMatchObject({
      hostname: 'a"b\\c',
      serverCertSha256: null,
      insecureTcp: true,
      ok: false,
      failedSteps: ['tls', 'docker'],
    });
  });

  test('interfaces: every interface with its addresses, as JSON; odd names stay valid JSON', () => {
    const lines =
      'enp0s1 10.0.2.15/24 fec0::5054:ff:fe12:3456/64\nenp0s2 10.99.0.12/24\nwlan0\nodd"\\x\n';
    expect(JSON.parse(runLib(script, `printf '%s' ${q(lines)} | interfaces_json`).stdout)).toEqual({
      enp0s1: ['10.0.2.15/24', 'fec0::5054:ff:fe12:3456/64'],
      enp0s2: ['10.99.0.12/24'],
      wlan0: [],
      'odd"\\x': [],
    });
    expect(runLib(script, `printf '\\n' | interfaces_json`).stdout).toBe('{}');
    const withIfaces = runLib(
      script,
      `status_json pi-1 e laptop '' '' 1 0 v '' "$(printf 'eth0 192.0.2.2/24\n' | interfaces_json)"`,
    ).stdout;
    expect(JSON.parse(withIfaces)).toMatchObject({ interfaces: { eth0: ['192.0.2.2/24'] } });
  });

  describeNeeds({ unless: toolsReason('ip') }, 'with ip(8)', () =>
    test('interface_addrs lists what ip(8) shows for each interface but lo', () => {
      const want = (
        JSON.parse(execFileSync('ip', ['-j', 'addr'], { encoding: 'utf8' })) as {
          ifname: string;
          addr_info: { local: string; prefixlen: number }[];
        }[]
      )
        .filter((i) => i.ifname !== 'lo')
        .map((i) => [i.ifname, ...i.addr_info.map((a) => `${a.local}/${a.prefixlen}`)].join(' '))
        .sort();
      const got = runLib(script, 'interface_addrs').stdout.trim().split('\n').sort();
      expect(got).toEqual(want);
    }),
  );

  test('status_with_interfaces replaces the interfaces and keeps every other field', () => {
    const { base } = sandbox();
    const file = join(base, 'state/status.json');
    runLib(
      script,
      `status_json 'h,"interfaces":{}' e none '' '' 1 0 v 'tls' '{"eth0":[]}' >${q(file)}`,
    );
    const r = runLib(script, `status_with_interfaces ${q(file)} '{"eth0":["10.0.0.2/24"]}'`);
    expect(JSON.parse(r.stdout)).toMatchObject({
      hostname: 'h,"interfaces":{}',
      failedSteps: ['tls'],
      interfaces: { eth0: ['10.0.0.2/24'] },
    });
    // A status.json from before "interfaces" existed gets the key added.
    writeFileSync(file, '{"hostname":"old","ok":true}\n');
    expect(JSON.parse(runLib(script, `status_with_interfaces ${q(file)} '{}'`).stdout)).toEqual({
      hostname: 'old',
      ok: true,
      interfaces: {},
    });
    writeFileSync(file, 'not json');
    expect(runLib(script, `status_with_interfaces ${q(file)} '{}'`).status).toBe(1);
  });

  test('report_interfaces rewrites status.json once per first-boot run and says so', () => {
    const { base, vars } = sandbox();
    const state = join(base, 'state');
    const env = `${vars} BOOT_DIR=${q(base)}; LOG=${q(join(base, 'log/firstboot.log'))}; mountpoint() { return 0; }; wait_for_links() { return 1; };`;
    runLib(
      script,
      `${env} status_json h e none '' '' 1 0 v '' '{}' >${q(join(state, 'status.json'))}`,
    );
    writeFileSync(join(state, 'interfaces.pending'), '');
    const r = runLib(
      script,
      `${env} interface_addrs() { printf 'enp0s2 10.99.0.12/24\\nlan0\\n'; }; report_interfaces`,
    );
    expect(r.status).toBe(0);
    expect(JSON.parse(read(join(base, 'seed/status.json')))).toMatchObject({
      hostname: 'h',
      interfaces: { enp0s2: ['10.99.0.12/24'], lan0: [] },
    });
    // The console is fd 3, here the service's stdout.
    expect(r.stdout).toContain('armada: interfaces: enp0s2 10.99.0.12/24; lan0\n');
    expect(existsSync(join(state, 'interfaces.pending'))).toBe(false);
    expect(read(join(base, 'log/firstboot.log'))).toContain('not every link was configured');
    // Without the flag (a later boot) nothing is rewritten.
    writeFileSync(join(base, 'seed/status.json'), 'kept');
    runLib(script, `${env} report_interfaces`);
    expect(read(join(base, 'seed/status.json'))).toBe('kept');
  });

  test('the console and motd text tells how to connect', () => {
    const { base, vars } = sandbox();
    const text = runLib(
      script,
      `${vars} INSECURE=1; LOGIN_USER=pirate; connect_text pi-4 device ab12 cd34`,
    ).stdout;
    expect(text).toContain('DOCKER_HOST=tcp://pi-4.local:2376 DOCKER_TLS_VERIFY=1');
    expect(text).toContain('Connect       armada connect pi-4.local --ssh pirate@pi-4.local ');
    expect(runLib(script, `INSECURE=0; connect_text pi-4 laptop ab12 cd34`).stdout).toContain(
      'Connect       armada connect pi-4.local    (on your laptop)',
    );
    mkdirSync(join(base, 'state/client'));
    writeFileSync(join(base, 'state/client/cert.pem'), 'cert');
    const seeded = runLib(script, `${vars} INSECURE=0; connect_text pi-4 device ab12 cd34`).stdout;
    expect(seeded).toContain('armada connect pi-4.local --from-card <this card>');
    expect(seeded).toContain('ca.pem, cert.pem in armada/client/ on the boot partition');
    expect(seeded).not.toContain('~pirate/.docker');
    expect(text).toContain('Server cert   SHA-256 ab12');
    expect(text).toContain('tcp://pi-4.local:2375 is open WITHOUT TLS');
  });
});

describe('Wi-Fi', () => {
  test('wpa_supplicant.conf: country, the SSID hex-encoded (any bytes are safe), the PSK', () => {
    const ssid = `Bob's "Net" \n}\tü`;
    const conf = runLib(script, `wpa_conf DE ${q(ssid)} ${'ab'.repeat(32)}`).stdout;
    const hex = /\tssid=([0-9a-f]+)\n/.exec(conf)?.[1];
    expect(Buffer.from(hex!, 'hex').toString('utf8')).toBe(ssid);
    expect(conf).toMatch(/^country=DE$/m);
    expect(conf).toContain(`\tpsk=${'ab'.repeat(32)}\n`);
    expect(conf.match(/[{}]/g)).toEqual(['{', '}']);
    expect(runLib(script, `wpa_conf '' open ''`).stdout).toContain('\tkey_mgmt=NONE\n');
  });
});

describe('network files', () => {
  test('.network and .link files are copied and tracked; .link files go to udev; bad names are not copied', () => {
    const { base, vars } = sandbox();
    const net = join(base, 'seed/network');
    const etc = join(base, 'etc-network');
    mkdirSync(net);
    writeFileSync(join(net, '10-armada-1-lan.network'), '[Match]\r\nName=lan0\r\n');
    writeFileSync(
      join(net, '10-armada-1-lan.link'),
      '[Match]\nMACAddress=52:54:00:99:00:03\n\n[Link]\nName=lan0\n',
    );
    writeFileSync(join(net, '90-armada-ethernet.network'), '[Match]\nName=*\n');
    writeFileSync(join(net, 'bad name.link'), '');
    const apply = `${vars} NETWORK_DIR=${q(etc)}; rename_links() { echo "rename_links $*" >&2; }; apply_network >/dev/null`;
    const r = runLib(script, apply);
    expect(r.status).toBe(0);
    expect(read(join(etc, '10-armada-1-lan.network'))).toBe('[Match]\nName=lan0\n');
    expect(read(join(etc, '10-armada-1-lan.link'))).toContain('Name=lan0\n');
    expect(existsSync(join(etc, '90-armada-ethernet.network'))).toBe(false);
    expect(existsSync(join(etc, 'bad name.link'))).toBe(false);
    expect(r.stderr).toContain('armada/network/bad name.link: not copied');
    expect(r.stderr).toContain(`rename_links ${join(etc, '10-armada-1-lan.link')}\n`);
    // A new seed without the .link: its files go, and udev is left alone.
    execFileSync('rm', [join(net, '10-armada-1-lan.link')]);
    const again = runLib(script, apply);
    expect(existsSync(join(etc, '10-armada-1-lan.link'))).toBe(false);
    expect(again.stderr).not.toContain('rename_links');
  });
});

describe('write_files (files.tsv)', () => {
  const me = `${execFileSync('id', ['-un'], { encoding: 'utf8' }).trim()}:${execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim()}`;

  test('writes, appends and sets modes once per seed; bad lines are warnings', () => {
    const { base, vars } = sandbox();
    const target = join(base, 'root/etc/app');
    mkdirSync(join(base, 'seed/files'));
    writeFileSync(join(base, 'seed/files/1'), 'conf=1\n');
    writeFileSync(join(base, 'seed/files/2'), 'appended\n');
    mkdirSync(target, { recursive: true });
    writeFileSync(join(target, 'log'), 'before\n');
    const tsv = [
      `${target}/new dir/app.conf\t0640\t${me}\t0\tfiles/1`,
      `${target}/log\t0600\t${me}\t1\tfiles/2`,
      `relative/path\t0644\t${me}\t0\tfiles/1`,
      `${target}/x\t9999\t${me}\t0\tfiles/1`,
      `${target}/y\t0644\t${me}\t0\t../../etc/shadow`,
      `${target}/z\t0644\t${me}\t0\tfiles/7\r`,
    ];
    writeFileSync(join(base, 'seed/files.tsv'), tsv.join('\n') + '\n');
    const r = runLib(script, `${vars} apply_write_files >/dev/null; echo "rc=$?"`);
    expect(r.stdout).toBe('rc=0\n');
    expect(read(join(target, 'new dir/app.conf'))).toBe('conf=1\n');
    expect(statSync(join(target, 'new dir/app.conf')).mode & 0o777).toBe(0o640);
    expect(read(join(target, 'log'))).toBe('before\nappended\n');
    expect(statSync(join(target, 'log')).mode & 0o777).toBe(0o600);
    expect(r.stderr).toContain("'relative/path' is not an absolute path");
    expect(r.stderr).toContain("mode '9999'");
    expect(r.stderr).toContain("'../../etc/shadow' for");
    expect(r.stderr).toContain('armada/files/7 for');
    expect(r.stderr).toContain('write_files: 2 file(s)');
    expect(existsSync(join(target, 'x'))).toBe(false);
    // A retry (another step failed) must not append again.
    runLib(script, `${vars} apply_write_files >/dev/null`);
    expect(read(join(target, 'log'))).toBe('before\nappended\n');
  });
});

describe('runcmd', () => {
  test('staged once per seed for armada-runcmd.service, CRs removed', () => {
    const { base, vars } = sandbox();
    writeFileSync(join(base, 'seed/runcmd.sh'), '#!/bin/sh\r\necho hi\r\n');
    runLib(script, `${vars} stage_runcmd >/dev/null`);
    expect(read(join(base, 'state/runcmd.sh'))).toBe('#!/bin/sh\necho hi\n');
    expect(statSync(join(base, 'state/runcmd.sh')).mode & 0o777).toBe(0o700);
    // Once it ran (armada-runcmd.service moves it away), the same seed does not stage it again.
    execFileSync('mv', [join(base, 'state/runcmd.sh'), join(base, 'state/runcmd.done')]);
    runLib(script, `${vars} stage_runcmd >/dev/null`);
    expect(existsSync(join(base, 'state/runcmd.sh'))).toBe(false);
  });
});

describe('update-resolv-conf.sh', () => {
  const urc = join(dir, 'update-resolv-conf.sh');
  writeFileSync(urc, planned('/usr/local/lib/armada/update-resolv-conf.sh'), { mode: 0o755 });
  const links = (files: Record<string, string>) => {
    const d = join(dir, `links${++n}`);
    mkdirSync(d);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
    return d;
  };
  const run = (linksDir: string, out: string) =>
    spawnSync('dash', [urc, linksDir, out], { encoding: 'utf8' });

  test('nameservers from DHCP and static DNS=, deduplicated, at most three, plus search domains', () => {
    const d = links({
      '2': '# This is private data. Do not parse.\nADMIN_STATE=configured\nDNS=10.0.2.3 192.168.1.1:53 [fe80::1]:53\nDOMAINS=lan ~routing.only\n',
      '3': 'DNS=10.0.2.3 fd00::1#dns.example 9.9.9.9\nDOMAINS=lan home.arpa\n',
    });
    const out = join(dir, 'resolv.conf');
    writeFileSync(out, '# placeholder\n');
    expect(run(d, out).status).toBe(0);
    expect(read(out)).toBe(
      "# Written by armada (update-resolv-conf.sh) from systemd-networkd's DNS servers.\nsearch lan home.arpa\nnameserver 10.0.2.3\nnameserver 192.168.1.1\nnameserver fd00::1\n",
    );
  });

  test('no servers yet: the file stays; a symlink (another resolver) is never touched', () => {
    const out = join(dir, 'resolv-keep.conf');
    writeFileSync(out, 'nameserver 1.1.1.1\n');
    expect(run(links({ '2': 'DNS=\n' }), out).stdout).toContain('unchanged');
    expect(read(out)).toBe('nameserver 1.1.1.1\n');
    const link = join(dir, 'resolv-link.conf');
    symlinkSync(out, link);
    expect(run(links({ '2': 'DNS=10.0.2.3\n' }), link).stdout).toContain('is a symlink');
    expect(read(out)).toBe('nameserver 1.1.1.1\n');
  });
});

describe('security updates and live-restore from the seed (apply_updates, set_live_restore)', () => {
  /** The image's two files in the sandbox, the seed applied, then both files' switches. */
  function run(seedEnv: string | undefined, shell = 'dash') {
    const { base, vars } = sandbox(seedEnv);
    const apt = join(base, 'auto-upgrades');
    const daemon = join(base, 'daemon.json');
    writeFileSync(apt, planned(firstBootPaths.autoUpgrades));
    writeFileSync(daemon, planned('/etc/docker/daemon.json'));
    const r = runLib(
      script,
      `${vars} APT_AUTO_UPGRADES=${q(apt)}; DOCKER_DAEMON_JSON=${q(daemon)}; load_settings >/dev/null; apply_updates && set_live_restore`,
      shell,
    );
    const periodic = [...read(apt).matchAll(/^APT::Periodic::([A-Za-z-]+) "([01])";$/gm)].map(
      (m) => `${m[1]}=${m[2]}`,
    );
    const json = JSON.parse(read(daemon)) as Record<string, unknown>;
    return { r, periodic, liveRestore: json['live-restore'], daemon: read(daemon) };
  }

  test.each(shells)('%s: no seed keys: both on, as the image has them', (shell) => {
    const { r, periodic, liveRestore } = run("HOSTNAME='pi'\n", shell);
    expect(r.status, r.stderr).toBe(0);
    expect(periodic).toEqual(['Update-Package-Lists=1', 'Unattended-Upgrade=1']);
    expect(liveRestore).toBe(true);
  });

  test("SECURITY_UPDATES='0' and LIVE_RESTORE='0' turn them off, and say so", () => {
    const { r, periodic, liveRestore, daemon } = run(
      renderSeedEnv({ SECURITY_UPDATES: '0', LIVE_RESTORE: '0' }),
    );
    expect(r.status, r.stderr).toBe(0);
    expect(periodic).toEqual(['Update-Package-Lists=0', 'Unattended-Upgrade=0']);
    expect(liveRestore).toBe(false);
    expect(r.stderr).toContain("security updates are OFF (SECURITY_UPDATES='0' in the seed)");
    // Everything else in daemon.json stays as the image has it.
    expect(daemon.replace('"live-restore": false', '"live-restore": true')).toBe(
      planned('/etc/docker/daemon.json'),
    );
  });

  test('a later seed without the keys turns them back on', () => {
    const { base, vars } = sandbox(renderSeedEnv({ SECURITY_UPDATES: '0', LIVE_RESTORE: '0' }));
    const apt = join(base, 'auto-upgrades');
    const daemon = join(base, 'daemon.json');
    writeFileSync(apt, planned(firstBootPaths.autoUpgrades));
    writeFileSync(daemon, planned('/etc/docker/daemon.json'));
    const files = `APT_AUTO_UPGRADES=${q(apt)}; DOCKER_DAEMON_JSON=${q(daemon)};`;
    const apply = 'load_settings >/dev/null; apply_updates && set_live_restore';
    expect(runLib(script, `${vars} ${files} ${apply}`).status).toBe(0);
    expect(read(apt)).toContain('APT::Periodic::Unattended-Upgrade "0";');
    writeFileSync(join(base, 'seed/seed.env'), "HOSTNAME='pi'\n");
    expect(runLib(script, `${vars} ${files} ${apply}`).status).toBe(0);
    expect(read(apt)).toContain('APT::Periodic::Unattended-Upgrade "1";');
    expect(JSON.parse(read(daemon))).toMatchObject({ 'live-restore': true });
  });

  test('a value that is neither 0 nor 1 is a warning and leaves them on', () => {
    const { r, periodic, liveRestore } = run("SECURITY_UPDATES='no'\nLIVE_RESTORE='off'\n");
    expect(r.status, r.stderr).toBe(0);
    expect(periodic).toEqual(['Update-Package-Lists=1', 'Unattended-Upgrade=1']);
    expect(liveRestore).toBe(true);
    expect(r.stderr).toContain("SECURITY_UPDATES 'no' is neither 0 nor 1; it stays on");
    expect(r.stderr).toContain("LIVE_RESTORE 'off' is neither 0 nor 1; it stays on");
  });

  test('a missing apt file fails the step; a daemon.json without the key is left alone', () => {
    const { base, vars } = sandbox(renderSeedEnv({ LIVE_RESTORE: '0' }));
    const daemon = join(base, 'daemon.json');
    writeFileSync(daemon, '{ "tls": true }\n');
    const r = runLib(
      script,
      `${vars} APT_AUTO_UPGRADES=${q(join(base, 'absent'))}; DOCKER_DAEMON_JSON=${q(daemon)}; load_settings >/dev/null; set_live_restore >/dev/null && echo kept; (set -e; apply_updates >/dev/null); echo "rc=$?"`,
    );
    expect(r.stdout).toBe('kept\nrc=1\n');
    expect(read(daemon)).toBe('{ "tls": true }\n');
    expect(r.stderr).toContain('is missing or has no line like');
  });
});
