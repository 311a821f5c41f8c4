/**
 * This laptop's side of device-CA mode. The laptop keeps one private key for device-CA cards
 * (`<cfg>/device-client/key.pem`, 0600); a card gets only a certificate request for it
 * (`armada/tls/client.csr`). First boot's device CA signs the request and leaves `ca.pem` and
 * `cert.pem` in `armada/client/`; `armada connect --from-card` (or `--ssh`, which asks the device
 * to sign over SSH) pairs them with the key here. No private key ever touches a card.
 */
import { readFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { UserError } from '../errors.js';
import type { ConfigPaths } from '../config-dir.js';
import { certMatchesKey, createCsr, createKeyPem, isIssuedBy } from './certs.js';
import { createFileExclusive, who } from './store.js';
import type { Bundle } from './bundle.js';
import { unlessMissing } from '../fs-errors.js';

/** The key, made on first use (exclusively: two runs at once end up with the same key). */
export async function ensureDeviceClientKey(paths: ConfigPaths): Promise<string> {
  const existing = await readDeviceClientKey(paths);
  if (existing) return existing;
  await createFileExclusive(paths.deviceKey, await createKeyPem(), 0o600);
  const key = await readDeviceClientKey(paths);
  if (!key) throw new UserError(`could not read ${paths.deviceKey} after creating it`);
  return key;
}

export function readDeviceClientKey(paths: ConfigPaths): Promise<string | undefined> {
  return unlessMissing(readFile(paths.deviceKey, 'utf8'), undefined);
}

/** The certificate request a device-CA card carries (made fresh; only the key is kept). */
export async function deviceClientCsr(paths: ConfigPaths): Promise<string> {
  return createCsr(await ensureDeviceClientKey(paths), `armada client ${who()}`);
}

export interface CardCertificates {
  ca: string;
  cert: string;
}

const pemCertificate = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Pure: `cat ca.pem cert.pem` (in either order) into the CA and the certificate it signed. */
export function splitCertificates(text: string): CardCertificates | undefined {
  const certs = [...text.matchAll(pemCertificate)].map((m) => m[0] + '\n');
  if (certs.length !== 2) return undefined;
  const isCa = (pem: string) => {
    try {
      return new X509Certificate(pem).ca;
    } catch {
      return false;
    }
  };
  const ca = certs.find(isCa);
  const cert = certs.find((c) => c !== ca);
  return ca && cert ? { ca, cert } : undefined;
}

/** The device's certificate with this laptop's key, or a UserError saying why they do not fit. */
export function pairWithKey(got: CardCertificates, keyPem: string, from: string): Bundle {
  let matches: boolean;
  try {
    matches = certMatchesKey(got.cert, keyPem) && isIssuedBy(got.cert, got.ca);
  } catch (error) {
    throw new UserError(
      `${from}: ca.pem and cert.pem are not readable certificates (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  if (!matches)
    throw new UserError(
      `${from}: the client certificate was made for another key (another laptop seeded the card, or this laptop's ` +
        `device-client key changed); re-seed with 'armada configure --tls device' or use --ssh`,
    );
  return { ca: got.ca, cert: got.cert, key: keyPem };
}
