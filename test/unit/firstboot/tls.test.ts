import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import {
  certMatchesKey,
  certSha256Hex,
  createCa,
  createCsr,
  createKeyPem,
  describeCert,
  isIssuedBy,
  issueServerCert,
  loadIssuer,
} from '../../../src/tls/certs.js';
import { splitCertificates } from '../../../src/tls/device-client.js';
import { suiteTempDir } from '../../helpers/tmp.js';
import { q, runLib, writeScript } from './run-sh.js';
import { describeNeeds, toolsReason } from '../../helpers/needs.js';

const dir = await suiteTempDir('armada-firstboot-tls-');
const script = writeScript(dir);
const read = (path: string) => readFileSync(path, 'utf8');

describeNeeds(
  { unless: toolsReason('openssl') },
  'device CA (make_device_tls, sign_client_csr)',
  () => {
    const out = join(dir, 'device');
    mkdirSync(out);
    const r = runLib(
      script,
      `make_device_tls ${q(out)} pi-3 10.0.0.5 'x;touch /tmp/armada-pwned' fd00::5 10.0.0.5 >/dev/null 2>&1 && tls_check ${q(out)} >/dev/null 2>&1 && echo ok`,
    );
    let laptopKey: string;
    let signed: string;
    beforeAll(async () => {
      laptopKey = await createKeyPem();
      writeFileSync(join(dir, 'laptop.csr'), await createCsr(laptopKey, 'armada client me@laptop'));
      const s = runLib(
        script,
        `sign_client_csr ${q(join(dir, 'laptop.csr'))} ${q(out)} ${q(join(dir, 'laptop.pem'))} && echo signed`,
      );
      expect(s.stdout, s.stderr).toBe('signed\n');
      signed = read(join(dir, 'laptop.pem'));
    });

    test('makes the CA and the server set, and no client key at all', () => {
      expect(r.stdout).toBe('ok\n');
      expect(readdirSync(out).sort()).toEqual([
        'ca-key.pem',
        'ca.pem',
        'server-key.pem',
        'server.pem',
      ]);
      expect(statSync(join(out, 'server-key.pem')).mode & 0o777).toBe(0o600);
      expect(statSync(join(out, 'ca-key.pem')).mode & 0o777).toBe(0o600);
    });

    test('server certificate: ECDSA P-256, serverAuth, SANs for the name, .local, loopback and valid addresses', () => {
      const server = describeCert(read(join(out, 'server.pem')));
      expect(server.subjectAltNames).toEqual([
        'DNS:pi-3',
        'DNS:pi-3.local',
        'DNS:localhost',
        'IP Address:127.0.0.1',
        'IP Address:0:0:0:0:0:0:0:1',
        'IP Address:10.0.0.5',
        'IP Address:FD00:0:0:0:0:0:0:5',
      ]);
      expect(server.extendedKeyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
      expect(server.isCa).toBe(false);
      expect(isIssuedBy(read(join(out, 'server.pem')), read(join(out, 'ca.pem')))).toBe(true);
      const days = (Date.parse(server.notAfter) - Date.parse(server.notBefore)) / 86_400_000;
      expect(Math.round(days)).toBe(825);
      const text = runLib(
        script,
        `openssl x509 -noout -text -in ${q(join(out, 'server.pem'))}`,
      ).stdout;
      expect(text).toContain('NIST CURVE: P-256');
    });

    test('the laptop’s request becomes a clientAuth certificate for the laptop’s own key', () => {
      const client = describeCert(signed);
      expect(client.extendedKeyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
      expect(client.subjectAltNames).toEqual([]);
      expect(client.subject).toContain('armada client me@laptop');
      expect(client.isCa).toBe(false);
      expect(isIssuedBy(signed, read(join(out, 'ca.pem')))).toBe(true);
      expect(certMatchesKey(signed, laptopKey)).toBe(true);
      expect(describeCert(read(join(out, 'ca.pem'))).isCa).toBe(true);
    });

    test('what a request asks for is ignored: a CA:TRUE serverAuth request still gets a clientAuth leaf', () => {
      const key = join(dir, 'greedy-key.pem');
      const csr = join(dir, 'greedy.csr');
      const mk = runLib(
        script,
        `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ${q(key)} 2>/dev/null && openssl req -new -key ${q(key)} -subj /CN=greedy -addext basicConstraints=critical,CA:TRUE -addext extendedKeyUsage=serverAuth -addext subjectAltName=DNS:bank.example -out ${q(csr)} && sign_client_csr ${q(csr)} ${q(out)} ${q(join(dir, 'greedy.pem'))} 2>/dev/null && echo signed`,
      );
      expect(mk.stdout, mk.stderr).toBe('signed\n');
      const cert = describeCert(read(join(dir, 'greedy.pem')));
      expect(cert.isCa).toBe(false);
      expect(cert.extendedKeyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
      expect(cert.subjectAltNames).toEqual([]);
    });

    test('a request whose signature does not verify (its sender lacks the key) is refused', () => {
      const pem = read(join(dir, 'laptop.csr'));
      const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
      der[der.length - 5] ^= 0x01; // inside the signature
      const bad = join(dir, 'bad.csr');
      writeFileSync(
        bad,
        `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE REQUEST-----\n`,
      );
      const s = runLib(
        script,
        `sign_client_csr ${q(bad)} ${q(out)} ${q(join(dir, 'bad.pem'))} >/dev/null; echo "rc=$?"`,
      );
      expect(s.stdout).toBe('rc=1\n');
      expect(s.stderr).toContain('is not a signed PEM request');
      expect(existsSync(join(dir, 'bad.pem'))).toBe(false);
    });

    test('fingerprints are the lower-case hex SHA-256 of the DER, as the laptop computes them', () => {
      const fp = runLib(script, `tls_fingerprint ${q(join(out, 'server.pem'))}`).stdout.trim();
      expect(fp).toBe(certSha256Hex(read(join(out, 'server.pem'))));
    });

    test('tls_check refuses a key that is not the certificate’s and a certificate of another CA', () => {
      const mixed = join(dir, 'mixed');
      mkdirSync(mixed);
      writeFileSync(join(mixed, 'ca.pem'), read(join(out, 'ca.pem')));
      writeFileSync(join(mixed, 'server.pem'), read(join(out, 'server.pem')));
      writeFileSync(join(mixed, 'server-key.pem'), read(join(out, 'ca-key.pem')));
      expect(runLib(script, `tls_check ${q(mixed)} >/dev/null 2>&1 || echo refused`).stdout).toBe(
        'refused\n',
      );
      writeFileSync(join(mixed, 'server.pem'), signed);
      writeFileSync(join(mixed, 'server-key.pem'), laptopKey);
      // A client certificate is not a server certificate (EKU).
      expect(runLib(script, `tls_check ${q(mixed)} >/dev/null 2>&1 || echo refused`).stdout).toBe(
        'refused\n',
      );
    });
  },
);

describeNeeds(
  { root: true, unless: toolsReason('openssl') },
  'setup_tls (root: files are chowned to root)',
  () => {
    // The host clock is never touched: clock_floor is replaced.
    const env = (name: string) => {
      const base = join(dir, name);
      for (const d of ['seed/tls', 'state', 'etc-docker'])
        mkdirSync(join(base, d), { recursive: true });
      return {
        base,
        vars: `SEED_DIR=${q(join(base, 'seed'))}; STATE_DIR=${q(join(base, 'state'))}; TLS_DIR=${q(join(base, 'etc-docker/tls'))}; NETWORK_DIR=${q(join(base, 'none'))}; BOOT_DIR=${q(join(base, 'not-mounted'))}; LOGIN_USER=''; HOST=pi-7; S_TLS_MODE=''; clock_floor() { :; };`,
      };
    };

    test('laptop mode installs the laptop CA’s files with root-only keys', async () => {
      const { base, vars } = env('laptop');
      const ca = await createCa('armada CA (test)');
      const server = await issueServerCert(await loadIssuer(ca), 'pi-7');
      writeFileSync(join(base, 'seed/tls/ca.pem'), ca.certPem);
      writeFileSync(join(base, 'seed/tls/server.pem'), server.certPem);
      writeFileSync(join(base, 'seed/tls/server-key.pem'), server.keyPem);
      const r = runLib(
        script,
        `${vars} TLS_MODE=laptop; setup_tls >/dev/null && cat "$STATE_DIR/tls-mode"`,
      );
      expect(r.stderr).toContain("TLS: installed the certificates your laptop's CA made for pi-7");
      expect(r.stdout).toBe('laptop\n');
      const tls = join(base, 'etc-docker/tls');
      expect(read(join(tls, 'server.pem'))).toBe(server.certPem);
      expect(statSync(join(tls, 'server-key.pem')).mode & 0o777).toBe(0o600);
      expect(statSync(join(tls, 'ca.pem')).mode & 0o777).toBe(0o644);
      expect(statSync(join(tls, 'server-key.pem')).uid).toBe(0);
      // A later run after the key was taken off the card keeps what is installed.
      rmSync(join(base, 'seed/tls/server-key.pem'));
      const again = runLib(script, `${vars} TLS_MODE=laptop; setup_tls; echo "rc=$?"`);
      expect(again.stdout).toMatch(
        /keeping the certificates from your laptop installed earlier\nrc=0\n$/,
      );
      expect(read(join(tls, 'server.pem'))).toBe(server.certPem);
    });

    test('laptop mode with a key of another certificate fails the step and installs nothing', async () => {
      const { base, vars } = env('laptop-bad');
      const ca = await createCa('armada CA (test)');
      const issuer = await loadIssuer(ca);
      const server = await issueServerCert(issuer, 'pi-7');
      const other = await issueServerCert(issuer, 'pi-8');
      writeFileSync(join(base, 'seed/tls/ca.pem'), ca.certPem);
      writeFileSync(join(base, 'seed/tls/server.pem'), server.certPem);
      writeFileSync(join(base, 'seed/tls/server-key.pem'), other.keyPem);
      const r = runLib(script, `${vars} TLS_MODE=laptop; setup_tls >/dev/null; echo "rc=$?"`);
      expect(r.stdout).toBe('rc=1\n');
      expect(r.stderr).toContain("run 'armada configure' again");
      expect(() => statSync(join(base, 'etc-docker/tls/server-key.pem'))).toThrow();
    });

    /** Every file under `root`, recursively, with its text. */
    const tree = (root: string): Record<string, string> =>
      Object.fromEntries(
        (readdirSync(root, { recursive: true }) as string[])
          .filter((f) => statSync(join(root, f)).isFile())
          .map((f) => [f, read(join(root, f))]),
      );
    // The boot partition counts as mounted, so armada/client/ is written back as on a device.
    const mounted = 'mountpoint() { return 0; };';

    test('device mode signs the seed’s request; the boot partition gets ca.pem and cert.pem, never a key', async () => {
      const { base, vars } = env('device');
      const laptopKey = await createKeyPem();
      writeFileSync(join(base, 'seed/tls/client.csr'), await createCsr(laptopKey, 'me@laptop'));
      // What an older armada left there goes.
      mkdirSync(join(base, 'seed/client'));
      writeFileSync(join(base, 'seed/client/key.pem'), 'old key');
      const run = (extra = '') =>
        runLib(
          script,
          `${vars} ${mounted} TLS_MODE=device; ${extra} setup_tls >/dev/null; echo "rc=$?"`,
        );
      const first = run();
      expect(first.stdout, first.stderr).toBe('rc=0\n');
      expect(first.stderr).toContain('your laptop keeps the key');
      expect(Object.keys(tree(join(base, 'seed'))).sort()).toEqual([
        'client/ca.pem',
        'client/cert.pem',
        'tls/client.csr',
      ]);
      for (const [f, text] of Object.entries(tree(join(base, 'seed'))))
        expect(text, f).not.toMatch(/PRIVATE KEY/);
      const cert = read(join(base, 'seed/client/cert.pem'));
      expect(certMatchesKey(cert, laptopKey)).toBe(true);
      expect(read(join(base, 'seed/client/ca.pem'))).toBe(
        read(join(base, 'etc-docker/tls/ca.pem')),
      );
      expect(isIssuedBy(cert, read(join(base, 'seed/client/ca.pem')))).toBe(true);
      expect(statSync(join(base, 'state/device-ca/ca-key.pem')).mode & 0o777).toBe(0o600);
      expect(statSync(join(base, 'state/device-ca')).mode & 0o777).toBe(0o700);

      // A re-run keeps the CA, the server certificate and the signed client certificate.
      const server = read(join(base, 'etc-docker/tls/server.pem'));
      expect(run().stdout).toBe('rc=0\n');
      expect(read(join(base, 'etc-docker/tls/server.pem'))).toBe(server);
      expect(read(join(base, 'seed/client/cert.pem'))).toBe(cert);
      // A new host name makes a new CA, which signs the request again.
      expect(run('HOST=pi-9;').stdout).toBe('rc=0\n');
      expect(describeCert(read(join(base, 'etc-docker/tls/server.pem'))).subjectAltNames).toContain(
        'DNS:pi-9.local',
      );
      const again = read(join(base, 'seed/client/cert.pem'));
      expect(again).not.toBe(cert);
      expect(isIssuedBy(again, read(join(base, 'etc-docker/tls/ca.pem')))).toBe(true);
    });

    test('device mode without a request (a card flashed by another tool): no client certificate, and how to get one', () => {
      const { base, vars } = env('device-unseeded');
      mkdirSync(join(base, 'seed/client'));
      writeFileSync(join(base, 'seed/client/cert.pem'), 'stale');
      // An older armada's client key is overwritten before it goes (shred is watched).
      writeFileSync(join(base, 'seed/client/key.pem'), 'old key');
      const watch = `shred() { for a; do :; done; echo "shred $a" >&2; command shred "$@"; };`;
      const r = runLib(
        script,
        `${vars} ${mounted} ${watch} TLS_MODE=device; setup_tls >/dev/null; echo "rc=$?"`,
      );
      expect(r.stdout).toBe('rc=0\n');
      expect(r.stderr).toContain(`shred ${join(base, 'seed/client/key.pem')}`);
      expect(r.stderr).toContain('armada connect pi-7 --ssh <user>@pi-7.local');
      expect(existsSync(join(base, 'seed/client'))).toBe(false);
      expect(existsSync(join(base, 'state/device-ca/ca-key.pem'))).toBe(true);
      expect(existsSync(join(base, 'etc-docker/tls/server-key.pem'))).toBe(true);
    });

    test('sign-client (over SSH): a request on stdin, ca.pem and cert.pem on stdout', async () => {
      const { base, vars } = env('device-ssh');
      expect(
        runLib(script, `${vars} TLS_MODE=device; setup_tls >/dev/null 2>&1; echo "rc=$?"`).stdout,
      ).toBe('rc=0\n');
      const laptopKey = await createKeyPem();
      writeFileSync(join(base, 'req.csr'), await createCsr(laptopKey, 'me@laptop'));
      const r = runLib(script, `${vars} sign_client_stdin <${q(join(base, 'req.csr'))}`);
      expect(r.status, r.stderr).toBe(0);
      const got = splitCertificates(r.stdout)!;
      expect(got.ca).toBe(read(join(base, 'etc-docker/tls/ca.pem')));
      expect(certMatchesKey(got.cert, laptopKey)).toBe(true);
      expect(r.stdout).not.toMatch(/PRIVATE KEY/);
      const junk = runLib(script, `${vars} echo junk | sign_client_stdin; echo "rc=$?"`);
      expect(junk.stdout).toBe('rc=1\n');
      expect(junk.stderr).toContain('is not a signed PEM request');
    });
  },
);
