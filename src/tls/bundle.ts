/**
 * Client bundles in Docker's layout (`ca.pem`, `cert.pem`, `key.pem` in one DOCKER_CERT_PATH
 * directory): the laptop's own (`<cfg>/client`) or one fetched from a device-CA host
 * (`<cfg>/hosts/<host>`). Checked before use so a wrong file fails here, not as a TLS alert.
 */
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isIP } from 'node:net';
import { UsageError } from '../errors.js';
import { bundlePaths, makeUserDir, type ConfigPaths } from '../config-dir.js';
import { isIssuedBy } from './certs.js';
import { writeFileAtomic } from './store.js';

export interface Bundle {
  ca: string;
  cert: string;
  key: string;
}

/** `<cfg>/hosts/<host>`: host names and IPs map to one safe directory name. */
export function hostDir(paths: ConfigPaths, host: string): string {
  return join(paths.hostsDir, host.toLowerCase().replaceAll(':', '_'));
}

/** Host names and addresses only: no scheme, port, path or option-looking value. */
export function checkHost(host: string): void {
  if (isIP(host)) return;
  if (!/^[A-Za-z0-9]([A-Za-z0-9.:-]*[A-Za-z0-9])?$/.test(host) || host.includes('..')) {
    throw new UsageError(
      `'${host}' is not a host name or address; give e.g. pi-1.local, pi-1.local:2376, 192.168.1.20 or [fe80::1]:2376`,
    );
  }
}

/** Problems with a bundle: certificate not from its CA, key not the certificate's, expired. */
export function bundleProblems(b: Bundle, now = new Date()): string[] {
  const problems: string[] = [];
  try {
    const cert = new X509Certificate(b.cert);
    if (!isIssuedBy(b.cert, b.ca)) problems.push('cert.pem is not signed by ca.pem');
    const fromKey = createPublicKey(createPrivateKey(b.key)).export({
      type: 'spki',
      format: 'der',
    });
    if (!cert.publicKey.export({ type: 'spki', format: 'der' }).equals(fromKey))
      problems.push('key.pem does not belong to cert.pem');
    if (new Date(cert.validTo) < now)
      problems.push(`cert.pem expired on ${new Date(cert.validTo).toISOString().slice(0, 10)}`);
  } catch (error) {
    problems.push(
      `not a readable PEM bundle (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  return problems;
}

export async function readBundle(dir: string): Promise<Bundle | undefined> {
  const p = bundlePaths(dir);
  try {
    await access(p.key);
    return {
      ca: await readFile(p.ca, 'utf8'),
      cert: await readFile(p.cert, 'utf8'),
      key: await readFile(p.key, 'utf8'),
    };
  } catch {
    return undefined;
  }
}

export async function writeBundle(dir: string, b: Bundle): Promise<void> {
  const p = bundlePaths(dir);
  await makeUserDir(dir);
  await writeFileAtomic(p.key, b.key, 0o600);
  await writeFileAtomic(p.cert, b.cert, 0o644);
  await writeFileAtomic(p.ca, b.ca, 0o644);
}

export type BundleSource = 'host' | 'laptop';

/** Pure: the spellings of one host that share a bundle (pi-1, pi-1.local). */
export function hostAliases(host: string): string[] {
  const h = host.toLowerCase();
  if (h.endsWith('.local')) return [h, h.slice(0, -'.local'.length)];
  return h.includes('.') || h.includes(':') ? [h] : [h, `${h}.local`];
}

/** The bundle to talk to `host`: its own (device CA) first, else this laptop's client cert. */
export async function bundleFor(
  paths: ConfigPaths,
  host: string,
): Promise<{ dir: string; bundle: Bundle; source: BundleSource } | undefined> {
  for (const alias of hostAliases(host)) {
    const own = hostDir(paths, alias);
    const fromHost = await readBundle(own);
    if (fromHost) return { dir: own, bundle: fromHost, source: 'host' };
  }
  const laptop = await readBundle(paths.clientDir);
  if (laptop) return { dir: paths.clientDir, bundle: laptop, source: 'laptop' };
  return undefined;
}
