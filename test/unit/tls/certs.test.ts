import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
  readFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  createCa,
  describeCert,
  isIssuedBy,
  issueClientCert,
  issueServerCert,
  loadIssuer,
  serverCertDays,
  serverSans,
  type PemPair,
} from '../../../src/tls/certs.js';
import { ensureCa, initCa, readCa } from '../../../src/tls/store.js';
import { bundleProblems } from '../../../src/tls/bundle.js';
import { splitCertificates } from '../../../src/tls/device-client.js';
import { configPaths } from '../../../src/config-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'armada-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}
function openssl(args: string[], input?: string): { ok: boolean; out: string } {
  try {
    return {
      ok: true,
      out: execFileSync('openssl', args, {
        input,
        encoding: 'utf8',
        stdio: ['pipe', 'pipe', 'pipe'],
      }),
    };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

describe('laptop CA certificates (checked by openssl)', () => {
  let ca: PemPair;
  let server: PemPair;
  let client: PemPair;
  beforeAll(async () => {
    ca = await createCa('armada CA test@laptop');
    const issuer = await loadIssuer(ca);
    server = await issueServerCert(issuer, 'pi-7', ['192.168.1.7', 'pi-7.lan']);
    client = await issueClientCert(issuer, 'armada client test@laptop');
    file('ca.pem', ca.certPem);
  });

  test('chains verify for their own purpose only', () => {
    const caFile = join(dir, 'ca.pem');
    expect(openssl(['verify', '-CAfile', caFile, '-purpose', 'sslserver'], server.certPem).ok).toBe(
      true,
    );
    expect(openssl(['verify', '-CAfile', caFile, '-purpose', 'sslclient'], client.certPem).ok).toBe(
      true,
    );
    expect(
      openssl(['verify', '-CAfile', caFile, '-purpose', 'sslclient'], server.certPem).out,
    ).toMatch(/unsuitable certificate purpose/);
    expect(
      openssl(['verify', '-CAfile', caFile, '-purpose', 'sslserver'], client.certPem).out,
    ).toMatch(/unsuitable certificate purpose/);
  });

  test('a certificate from another CA does not verify', async () => {
    const other = await createCa('someone else');
    const stranger = await issueServerCert(await loadIssuer(other), 'pi-7');
    expect(openssl(['verify', '-CAfile', join(dir, 'ca.pem')], stranger.certPem).ok).toBe(false);
    expect(isIssuedBy(stranger.certPem, ca.certPem)).toBe(false);
    expect(isIssuedBy(server.certPem, ca.certPem)).toBe(true);
  });

  test('server certificate: SANs, serverAuth only, P-256/SHA-256, at most 825 days', () => {
    const text = openssl(['x509', '-noout', '-text'], server.certPem).out;
    expect(text).toMatch(
      /DNS:pi-7, DNS:pi-7\.local, DNS:localhost, IP Address:127\.0\.0\.1, IP Address:192\.168\.1\.7, DNS:pi-7\.lan/,
    );
    expect(text).toMatch(/X509v3 Extended Key Usage: \n\s+TLS Web Server Authentication\n/);
    expect(text).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
    expect(text).toMatch(/NIST CURVE: P-256/);
    expect(text).toMatch(/CA:FALSE/);
    const info = describeCert(server.certPem);
    const days = (Date.parse(info.notAfter) - Date.parse(info.notBefore)) / 86_400_000;
    expect(days).toBeLessThanOrEqual(serverCertDays);
    expect(Date.parse(info.notBefore)).toBeLessThan(Date.now());
    expect(info.extendedKeyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
  });

  test('client certificate: clientAuth only; CA: CA:TRUE, pathlen 0, keyCertSign', () => {
    expect(openssl(['x509', '-noout', '-text'], client.certPem).out).toMatch(
      /Extended Key Usage: \n\s+TLS Web Client Authentication\n/,
    );
    const caText = openssl(['x509', '-noout', '-text'], ca.certPem).out;
    expect(caText).toMatch(/CA:TRUE, pathlen:0/);
    expect(caText).toMatch(/Certificate Sign, CRL Sign/);
  });

  test('keys are PKCS#8 "PRIVATE KEY" PEM that openssl reads and that match their certificates', () => {
    for (const pair of [ca, server, client]) {
      expect(pair.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      expect(openssl(['pkey', '-noout'], pair.keyPem).ok).toBe(true);
    }
    expect(bundleProblems({ ca: ca.certPem, cert: client.certPem, key: client.keyPem })).toEqual(
      [],
    );
    expect(bundleProblems({ ca: ca.certPem, cert: client.certPem, key: server.keyPem })).toEqual([
      'key.pem does not belong to cert.pem',
    ]);
  });

  test('a hostname cannot inject extra subject fields', async () => {
    const odd = await issueServerCert(await loadIssuer(ca), 'x", CN=evil');
    const subject = openssl(
      ['x509', '-noout', '-subject', '-nameopt', 'multiline'],
      odd.certPem,
    ).out;
    expect(subject.match(/commonName/g)).toHaveLength(1);
    expect(subject).toMatch(/commonName\s+= x", CN=evil/);
  });

  test('splitCertificates reads `cat ca.pem cert.pem` in any order; a key in the text is ignored', () => {
    expect(splitCertificates(client.keyPem + client.certPem + ca.certPem)).toEqual({
      ca: ca.certPem,
      cert: client.certPem,
    });
    expect(splitCertificates(client.certPem)).toBeUndefined();
  });
});

describe('serverSans', () => {
  test('dedupes and types IPs', () => {
    expect(serverSans('pi', ['localhost', '10.0.0.2', '::1'])).toEqual([
      { type: 'dns', value: 'pi' },
      { type: 'dns', value: 'pi.local' },
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
      { type: 'ip', value: '10.0.0.2' },
      { type: 'ip', value: '::1' },
    ]);
  });
});

describe('CA store', () => {
  const paths = configPaths(join(dir, 'cfg'));
  const mode = (p: string) => statSync(p).mode & 0o777;

  test('init writes the CA and client bundle with Docker names and strict modes', async () => {
    const r = await initCa({ paths });
    expect(r).toMatchObject({ created: true, clientCreated: true });
    expect(mode(paths.caKey)).toBe(0o600);
    expect(mode(paths.caCert)).toBe(0o644);
    expect(mode(join(paths.clientDir, 'key.pem'))).toBe(0o600);
    expect(mode(join(paths.clientDir, 'cert.pem'))).toBe(0o644);
    expect(readFileSync(join(paths.clientDir, 'ca.pem'), 'utf8')).toBe(
      readFileSync(paths.caCert, 'utf8'),
    );
    expect(mode(paths.root)).toBe(0o700);
    const ca = readFileSync(paths.caCert, 'utf8');
    expect(
      openssl([
        'verify',
        '-CAfile',
        paths.caCert,
        '-purpose',
        'sslclient',
        join(paths.clientDir, 'cert.pem'),
      ]).ok,
    ).toBe(true);
    expect(ca).toMatch(/BEGIN CERTIFICATE/);
  });

  test('init is idempotent and keeps the CA unless forced', async () => {
    const before = readFileSync(paths.caCert, 'utf8');
    const clientBefore = readFileSync(join(paths.clientDir, 'cert.pem'), 'utf8');
    expect(await initCa({ paths })).toMatchObject({ created: false, clientCreated: false });
    expect(readFileSync(paths.caCert, 'utf8')).toBe(before);
    expect(readFileSync(join(paths.clientDir, 'cert.pem'), 'utf8')).toBe(clientBefore);
    expect(await initCa({ paths, force: true })).toMatchObject({
      created: true,
      clientCreated: true,
    });
    expect(readFileSync(paths.caCert, 'utf8')).not.toBe(before);
  });

  test('a client certificate from an old CA is replaced', async () => {
    const other = configPaths(join(dir, 'other'));
    await initCa({ paths: other });
    writeFileSync(
      join(paths.clientDir, 'cert.pem'),
      readFileSync(join(other.clientDir, 'cert.pem')),
    );
    writeFileSync(join(paths.clientDir, 'ca.pem'), readFileSync(join(other.clientDir, 'ca.pem')));
    expect(await initCa({ paths })).toMatchObject({ created: false, clientCreated: true });
    expect(
      isIssuedBy(
        readFileSync(join(paths.clientDir, 'cert.pem'), 'utf8'),
        readFileSync(paths.caCert, 'utf8'),
      ),
    ).toBe(true);
  });

  test('runs at once on a fresh config dir end up with one CA, and every run uses it', async () => {
    const fresh = configPaths(join(dir, 'race'));
    const runs = await Promise.all([1, 2, 3, 4].map(() => ensureCa(fresh)));
    expect(runs.filter((r) => r.created)).toHaveLength(1);
    const onDisk = readFileSync(fresh.caCert, 'utf8');
    for (const r of runs) expect(r.caPem).toBe(onDisk);
    expect(isIssuedBy(readFileSync(join(fresh.clientDir, 'cert.pem'), 'utf8'), onDisk)).toBe(true);
    expect(existsSync(join(fresh.caDir, '.lock'))).toBe(false);
  });

  test('a CA directory or key others can read is refused with the chmod that fixes it', async () => {
    const loose = configPaths(join(dir, 'loose'));
    await initCa({ paths: loose });
    chmodSync(loose.caKey, 0o644);
    await expect(readCa(loose)).rejects.toThrow(/ca-key\.pem is 0644.*chmod 700 .*chmod 600/);
    await expect(initCa({ paths: loose })).rejects.toThrow(/readable by others/);
    chmodSync(loose.caKey, 0o600);
    chmodSync(loose.caDir, 0o755);
    await expect(readCa(loose)).rejects.toThrow(/ca is 0755/);
    chmodSync(loose.caDir, 0o700);
    expect(await readCa(loose)).toBeDefined();
  });

  test('a half-present CA is an error that names the fix', async () => {
    const half = configPaths(join(dir, 'half'));
    await initCa({ paths: half });
    rmSync(half.caKey);
    await expect(readCa(half)).rejects.toThrow(/ca-key\.pem is missing.*ca init --force/);
  });
});
