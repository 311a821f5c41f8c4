/**
 * The laptop CA on disk: `<cfg>/ca/{ca.pem,ca-key.pem}` and this laptop's client certificate in
 * `<cfg>/client/{ca.pem,cert.pem,key.pem}` (Docker's names). Keys 0600, certificates 0644,
 * written atomically (temp file + rename) so an interrupted run never leaves half a key.
 */
import { readFile, access, stat } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { UserError } from '../errors.js';
import {
  bundlePaths,
  configDir,
  configPaths,
  makeUserDir,
  type ConfigPaths,
} from '../config-dir.js';
import { withCaLock } from './ca-lock.js';
import { createFileExclusive, writeFileAtomic } from './config-files.js';
import {
  createCa,
  describeCert,
  isIssuedBy,
  issueClientCert,
  loadIssuer,
  type Issuer,
  type PemPair,
} from './certs.js';

// Kept here too: bundle.ts and device-client.ts import them from the store.
export { createFileExclusive, writeFileAtomic } from './config-files.js';

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

/**
 * The CA key signs what every card trusts: its directory must be 0700 and the key 0600. Loose
 * modes (a restored backup, a copy with `cp -r`) are refused with the commands that fix them.
 */
async function checkCaPermissions(paths: ConfigPaths): Promise<void> {
  const loose = async (path: string, allowed: number) => {
    const s = await stat(path).catch(() => undefined);
    return s && s.mode & 0o777 & ~allowed ? (s.mode & 0o777).toString(8).padStart(4, '0') : '';
  };
  const dir = await loose(paths.caDir, 0o700);
  const key = await loose(paths.caKey, 0o600);
  if (dir || key)
    throw new UserError(
      `the laptop CA is readable by others (${[dir && `${paths.caDir} is ${dir}`, key && `${paths.caKey} is ${key}`].filter(Boolean).join(', ')}); ` +
        `fix it with: chmod 700 '${paths.caDir}' && chmod 600 '${paths.caKey}' (and consider the key exposed if others could log in here)`,
    );
}

/** The CA, or undefined when there is none yet; a half-present CA is an error with the fix. */
export async function readCa(paths: ConfigPaths): Promise<PemPair | undefined> {
  await checkCaPermissions(paths);
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

/** A new CA: exclusively (never over another run's) unless `replace` (`ca init --force`). */
async function writeCa(paths: ConfigPaths, ca: PemPair, replace: boolean): Promise<void> {
  await makeUserDir(paths.caDir);
  if (replace) {
    await writeFileAtomic(paths.caKey, ca.keyPem, 0o600);
    await writeFileAtomic(paths.caCert, ca.certPem, 0o644);
    return;
  }
  // The key first: a CA counts as present (readCa) only once both exist.
  if (!(await createFileExclusive(paths.caKey, ca.keyPem, 0o600)))
    throw new UserError(
      `${paths.caKey} appeared while armada was creating it; run the command again`,
    );
  await createFileExclusive(paths.caCert, ca.certPem, 0o644);
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
  await checkCaPermissions(paths);
  return withCaLock(paths.caDir, async () => {
    let ca = opts.force ? undefined : await readCa(paths);
    const created = !ca;
    if (!ca) {
      await writeCa(paths, await createCa(`armada CA ${who()}`), Boolean(opts.force));
      // What is on disk is the CA from now on, whatever this run generated.
      ca = await readCa(paths);
      if (!ca)
        throw new UserError(`could not read the laptop CA in ${paths.caDir} after creating it`);
    }
    let clientCreated = false;
    if (created || !(await clientIsCurrent(paths, ca.certPem))) {
      await writeClient(paths, await loadIssuer(ca), ca.certPem);
      clientCreated = true;
    }
    return { created, clientCreated, paths };
  });
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
