/**
 * Certificates for the laptop CA, made in-process with @peculiar/x509 on Node's WebCrypto:
 * ECDSA P-256 keys, SHA-256 signatures, keys as PKCS#8 PEM ("PRIVATE KEY", which Docker's Go
 * TLS stack loads). No files here: src/tls/store.ts decides where they live.
 */
// @peculiar/x509 resolves its algorithms through tsyringe, which needs this polyfill loaded first.
import 'reflect-metadata';
import {
  webcrypto,
  X509Certificate as NodeX509,
  randomBytes,
  createHash,
  createPublicKey,
} from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { UsageError } from '../errors.js';
import { sanEntry, sanProblem } from './san.js';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const crypto = webcrypto;
x509.cryptoProvider.set(crypto);

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signing = { name: 'ECDSA', hash: 'SHA-256' } as const;
const day = 24 * 60 * 60 * 1000;

/** CA/Browser Forum's old ceiling; Apple and Go clients refuse longer-lived server certs. */
export const serverCertDays = 825;
const clientCertDays = 825;
const caDays = 3650;
/**
 * Certificates start a little in the past: a Pi has no real-time clock, and a device whose
 * clock lags by minutes must still accept a certificate made just now.
 */
const backdateMs = 60 * 60 * 1000;

export interface PemPair {
  certPem: string;
  keyPem: string;
}

export interface Issuer {
  cert: x509.X509Certificate;
  key: CryptoKey;
}

function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0] & 0x7f; // positive INTEGER
  return bytes.toString('hex');
}

async function newKeys(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);
}

/** PEM text ends with a newline, like openssl writes it (and some tools expect). */
function pem(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey('pkcs8', key);
  return pem(x509.PemConverter.encode(der, 'PRIVATE KEY'));
}

function validity(now: Date, days: number): { notBefore: Date; notAfter: Date } {
  // The whole period counts against the limit, backdating included.
  const notBefore = new Date(now.getTime() - backdateMs);
  return { notBefore, notAfter: new Date(notBefore.getTime() + days * day) };
}

/** DN values are quoted so a hostname can never inject another RDN. */
function dn(commonName: string): string {
  return `CN="${commonName.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}", O=armada`;
}

export async function createCa(commonName: string, now = new Date()): Promise<PemPair> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: dn(commonName),
    ...validity(now, caDays),
    keys,
    signingAlgorithm: signing,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: pem(cert.toString('pem')), keyPem: await keyPem(keys.privateKey) };
}

export async function loadIssuer(ca: PemPair): Promise<Issuer> {
  const cert = new x509.X509Certificate(ca.certPem);
  const der = x509.PemConverter.decodeFirst(ca.keyPem);
  const key = await crypto.subtle.importKey('pkcs8', der, ecdsa, false, ['sign']);
  return { cert, key };
}

async function issue(
  issuer: Issuer,
  commonName: string,
  days: number,
  now: Date,
  usage: x509.ExtendedKeyUsage,
  sans: x509.JsonGeneralNames,
): Promise<PemPair> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: dn(commonName),
    issuer: issuer.cert.subject,
    ...validity(now, days),
    publicKey: keys.publicKey,
    signingKey: issuer.key,
    signingAlgorithm: signing,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([usage], false),
      ...(sans.length ? [new x509.SubjectAlternativeNameExtension(sans, false)] : []),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.cert),
    ],
  });
  return { certPem: pem(cert.toString('pem')), keyPem: await keyPem(keys.privateKey) };
}

/**
 * Pure: the SAN list for a device; duplicates removed, IPs typed as IPs. An extra name that is
 * no IP and no single host's DNS name (a wildcard, `192.168.1.300`) is refused here too, for
 * callers that did not validate the seed first.
 */
export function serverSans(hostname: string, extra: readonly string[] = []): x509.JsonGeneralNames {
  const extras = extra.map((n) => n.trim()).filter(Boolean);
  const problems = extras
    .map(sanProblem)
    .filter((p) => p !== undefined)
    .map((p) => `${p.message}; ${p.fix}`);
  if (problems.length) throw new UsageError(problems[0], problems.slice(1));
  const names = [hostname, `${hostname}.local`, 'localhost', '127.0.0.1', ...extras];
  return [...new Set(names.map((n) => n.trim()).filter(Boolean))].map(sanEntry);
}

export async function issueServerCert(
  issuer: Issuer,
  hostname: string,
  extraSans: readonly string[] = [],
  now = new Date(),
): Promise<PemPair> {
  return issue(
    issuer,
    hostname,
    serverCertDays,
    now,
    x509.ExtendedKeyUsage.serverAuth,
    serverSans(hostname, extraSans),
  );
}

export async function issueClientCert(
  issuer: Issuer,
  commonName: string,
  now = new Date(),
): Promise<PemPair> {
  return issue(issuer, commonName, clientCertDays, now, x509.ExtendedKeyUsage.clientAuth, []);
}

export interface CertInfo {
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  /** Lower-case hex, the one fingerprint format armada prints (configure, console, discover). */
  sha256: string;
  subjectAltNames: string[];
  extendedKeyUsage: string[];
  isCa: boolean;
}

/** Human-and-JSON facts about one PEM certificate. */
export function describeCert(pem: string): CertInfo {
  const c = new NodeX509(pem);
  return {
    subject: c.subject.replaceAll('\n', ', '),
    issuer: c.issuer.replaceAll('\n', ', '),
    serialNumber: c.serialNumber.toLowerCase(),
    notBefore: new Date(c.validFrom).toISOString(),
    notAfter: new Date(c.validTo).toISOString(),
    sha256: certSha256Hex(pem),
    subjectAltNames: c.subjectAltName ? c.subjectAltName.split(', ') : [],
    extendedKeyUsage: c.keyUsage ?? [],
    isCa: c.ca,
  };
}

/** Lower-case hex SHA-256 of the certificate's DER (the form status.json uses). */
export function certSha256Hex(pem: string): string {
  return createHash('sha256').update(new NodeX509(pem).raw).digest('hex');
}

/** True when `certPem` was signed by `caPem` (signature and issuer name). */
export function isIssuedBy(certPem: string, caPem: string): boolean {
  const cert = new NodeX509(certPem);
  const ca = new NodeX509(caPem);
  return cert.checkIssued(ca) && cert.verify(ca.publicKey);
}

/** A new ECDSA P-256 private key as PKCS#8 PEM (a laptop's device-CA client key). */
export async function createKeyPem(): Promise<string> {
  return keyPem((await newKeys()).privateKey);
}

/**
 * A PKCS#10 certificate request for the key in `keyPem`: only public material, signed with the
 * key so the device CA can tell its sender holds it.
 */
export async function createCsr(keyPem: string, commonName: string): Promise<string> {
  const publicDer = createPublicKey(keyPem).export({ type: 'spki', format: 'der' });
  const privateKey = await crypto.subtle.importKey(
    'pkcs8',
    x509.PemConverter.decodeFirst(keyPem),
    ecdsa,
    false,
    ['sign'],
  );
  const publicKey = await crypto.subtle.importKey('spki', publicDer, ecdsa, true, ['verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: dn(commonName),
    keys: { privateKey, publicKey },
    signingAlgorithm: signing,
  });
  return pem(csr.toString('pem'));
}

/** True when the certificate carries the public key of `keyPem`. */
export function certMatchesKey(certPem: string, keyPem: string): boolean {
  const fromKey = createPublicKey(keyPem).export({ type: 'spki', format: 'der' });
  return new NodeX509(certPem).publicKey.export({ type: 'spki', format: 'der' }).equals(fromKey);
}
