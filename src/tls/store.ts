/**
 * The laptop CA on disk: `<cfg>/ca/{ca.pem,ca-key.pem}` and this laptop's client certificate in
 * `<cfg>/client/{ca.pem,cert.pem,key.pem}` (Docker's names). Keys 0600, certificates 0644,
 * written atomically (temp file + rename) so an interrupted run never leaves half a key.
 */
import { readFile, rename, writeFile, rm, access, link } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UserError } from '../errors.js';
import {
  bundlePaths,
  configDir,
  configPaths,
  giveToUser,
  makeUserDir,
  unwritableConfigDir,
  type ConfigPaths,
} from '../config-dir.js';
import {
  createCa,
  describeCert,
  isIssuedBy,
  issueClientCert,
  loadIssuer,
  type Issuer,
  type PemPair,
} from './certs.js';

export async function writeFileAtomic(
  path: string,
  content: string | Uint8Array,
  mode: number,
): Promise<void> {
  await makeUserDir(dirname(path));
  const tmp = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, content, { mode });
    await giveToUser([tmp]);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw (await unwritableConfigDir(dirname(path), error)) ?? error;
  }
}

/**
 * Creates `path` with `content` only when it does not exist yet, atomically: the content goes to
 * a temp file that is then hard-linked to `path` (link fails with EEXIST instead of replacing),
 * so two runs at once never both create it and nobody sees half a file. False when it existed.
 */
export async function createFileExclusive(
  path: string,
  content: string | Uint8Array,
  mode: number,
): Promise<boolean> {
  await makeUserDir(dirname(path));
  const tmp = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, content, { mode, flag: 'wx' });
    await giveToUser([tmp]);
    await link(tmp, path);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(tmp, { force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

export function who(): string {
  let user = process.env.SUDO_USER;
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = 'user';
    }
  }
  return `${user}@${hostname()}`;
}

export async function laptopPaths(): Promise<ConfigPaths> {
  return configPaths(await configDir());
}

/** The CA, or undefined when there is none yet; a half-present CA is an error with the fix. */
export async function readCa(paths: ConfigPaths): Promise<PemPair | undefined> {
  const [cert, key] = await Promise.all([exists(paths.caCert), exists(paths.caKey)]);
  if (!cert && !key) return undefined;
  if (!cert || !key) {
    throw new UserError(
      `the laptop CA in ${paths.caDir} is incomplete (${cert ? 'ca-key.pem' : 'ca.pem'} is missing); ` +
        `restore it from a backup or run 'armada ca init --force' and re-seed your cards`,
    );
  }
  return {
    certPem: await readFile(paths.caCert, 'utf8'),
    keyPem: await readFile(paths.caKey, 'utf8'),
  };
}

async function writeCa(paths: ConfigPaths, ca: PemPair): Promise<void> {
  await makeUserDir(paths.caDir);
  await writeFileAtomic(paths.caKey, ca.keyPem, 0o600);
  await writeFileAtomic(paths.caCert, ca.certPem, 0o644);
}

async function writeClient(paths: ConfigPaths, issuer: Issuer, caPem: string): Promise<void> {
  const client = await issueClientCert(issuer, `armada client ${who()}`);
  const b = bundlePaths(paths.clientDir);
  await makeUserDir(b.dir);
  await writeFileAtomic(b.key, client.keyPem, 0o600);
  await writeFileAtomic(b.cert, client.certPem, 0o644);
  await writeFileAtomic(b.ca, caPem, 0o644);
}

/** Does <cfg>/client hold a certificate from this CA that is still valid for a while? */
async function clientIsCurrent(paths: ConfigPaths, caPem: string): Promise<boolean> {
  const b = bundlePaths(paths.clientDir);
  if (!(await exists(b.key))) return false;
  const certPem = await readFile(b.cert, 'utf8').catch(() => undefined);
  const shipped = await readFile(b.ca, 'utf8').catch(() => undefined);
  if (!certPem || shipped?.trim() !== caPem.trim()) return false;
  try {
    const renewBefore = Date.now() + 30 * 24 * 60 * 60 * 1000;
    return (
      isIssuedBy(certPem, caPem) && new Date(describeCert(certPem).notAfter).getTime() > renewBefore
    );
  } catch {
    return false;
  }
}

export interface CaInitResult {
  created: boolean;
  clientCreated: boolean;
  paths: ConfigPaths;
}

/**
 * `armada ca init`: idempotent. An existing CA is kept unless `force`; the client certificate is
 * (re)made whenever it is missing, from another CA, or about to expire.
 */
export async function initCa(
  opts: { force?: boolean; paths?: ConfigPaths } = {},
): Promise<CaInitResult> {
  const paths = opts.paths ?? (await laptopPaths());
  let ca = opts.force ? undefined : await readCa(paths);
  const created = !ca;
  if (!ca) {
    ca = await createCa(`armada CA ${who()}`);
    await writeCa(paths, ca);
  }
  let clientCreated = false;
  if (created || !(await clientIsCurrent(paths, ca.certPem))) {
    await writeClient(paths, await loadIssuer(ca), ca.certPem);
    clientCreated = true;
  }
  return { created, clientCreated, paths };
}

export interface LaptopCa {
  paths: ConfigPaths;
  caPem: string;
  issuer: Issuer;
  created: boolean;
}

/** The CA for seeding cards, made on first use (flash/configure default to laptop-CA mode). */
export async function ensureCa(paths?: ConfigPaths): Promise<LaptopCa> {
  const p = paths ?? (await laptopPaths());
  const result = await initCa({ paths: p });
  const ca = await readCa(p);
  if (!ca) throw new UserError(`could not read the laptop CA in ${p.caDir}; run 'armada ca init'`);
  return { paths: p, caPem: ca.certPem, issuer: await loadIssuer(ca), created: result.created };
}
