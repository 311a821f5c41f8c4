import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import {
  certSha256Hex,
  createCa,
  describeCert,
  isIssuedBy,
  issueServerCert,
  loadIssuer,
} from '../../../src/tls/certs.js';
import { suiteTempDir } from '../../helpers/tmp.js';
import { have, q, runLib, writeScript } from './run-sh.js';
import { describeNeeds } from '../../helpers/needs.js';

const dir = await suiteTempDir('armada-firstboot-tls-');
const script = writeScript(dir);
const read = (path: string) => readFileSync(path, 'utf8');

describeNeeds(
  { unless: have('openssl') ? undefined : 'openssl is not installed' },
  'device CA (make_device_tls)',
  () => {
    const out = join(dir, 'device');
    mkdirSync(out);
    const r = runLib(
      script,
      `make_device_tls ${q(out)} pi-3 10.0.0.5 'x;touch /tmp/armada-pwned' fd00::5 10.0.0.5 >/dev/null 2>&1 && tls_check ${q(out)} >/dev/null 2>&1 && echo ok`,
    );

    test('makes exactly the server set and the client bundle; the CA key is gone', () => {
      expect(r.stdout).toBe('ok\n');
      const files = [
        'ca.pem',
        'server.pem',
        'server-key.pem',
        'client/ca.pem',
        'client/cert.pem',
        'client/key.pem',
      ];
      for (const f of files) expect(statSync(join(out, f)).size).toBeGreaterThan(0);
      expect(() => statSync(join(out, 'ca-key.pem'))).toThrow();
      expect(statSync(join(out, 'server-key.pem')).mode & 0o777).toBe(0o600);
      expect(statSync(join(out, 'client/key.pem')).mode & 0o777).toBe(0o600);
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

    test('client bundle: clientAuth, signed by the same CA, Docker file names', () => {
      const client = describeCert(read(join(out, 'client/cert.pem')));
      expect(client.extendedKeyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
      expect(client.subjectAltNames).toEqual([]);
      expect(read(join(out, 'client/ca.pem'))).toBe(read(join(out, 'ca.pem')));
      expect(isIssuedBy(read(join(out, 'client/cert.pem')), read(join(out, 'ca.pem')))).toBe(true);
      expect(describeCert(read(join(out, 'ca.pem'))).isCa).toBe(true);
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
      writeFileSync(join(mixed, 'server-key.pem'), read(join(out, 'client/key.pem')));
      expect(runLib(script, `tls_check ${q(mixed)} >/dev/null 2>&1 || echo refused`).stdout).toBe(
        'refused\n',
      );
      writeFileSync(join(mixed, 'server.pem'), read(join(out, 'client/cert.pem')));
      writeFileSync(join(mixed, 'server-key.pem'), read(join(out, 'client/key.pem')));
      // A client certificate is not a server certificate (EKU).
      expect(runLib(script, `tls_check ${q(mixed)} >/dev/null 2>&1 || echo refused`).stdout).toBe(
        'refused\n',
      );
    });
  },
);

describeNeeds(
  { root: true, unless: have('openssl') ? undefined : 'openssl is not installed' },
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

    test('device mode makes the set once, keeps it on a re-run, and remakes it for a new host name', () => {
      const { base, vars } = env('device');
      const run = (extra = '') =>
        runLib(script, `${vars} TLS_MODE=device; ${extra} setup_tls >/dev/null; echo "rc=$?"`);
      expect(run().stdout).toBe('rc=0\n');
      const first = read(join(base, 'etc-docker/tls/server.pem'));
      expect(read(join(base, 'state/client/cert.pem'))).toContain('BEGIN CERTIFICATE');
      expect(statSync(join(base, 'state/client')).mode & 0o777).toBe(0o700);
      expect(run().stdout).toBe('rc=0\n');
      expect(read(join(base, 'etc-docker/tls/server.pem'))).toBe(first);
      expect(run('HOST=pi-9;').stdout).toBe('rc=0\n');
      expect(describeCert(read(join(base, 'etc-docker/tls/server.pem'))).subjectAltNames).toContain(
        'DNS:pi-9.local',
      );
    });
  },
);
