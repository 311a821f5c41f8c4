/**
 * `armada ca init|show|path`: the laptop CA that signs every card's server certificate and this
 * laptop's client certificate.
 */
import { rename } from 'node:fs/promises';
import { CancelledError, UserError } from '../errors.js';
import type { ConfigPaths } from '../config-dir.js';
import { describeCert, type CertInfo } from '../tls/certs.js';
import { initCa, laptopPaths, readCa } from '../tls/store.js';
import { readBundle } from '../tls/bundle.js';
import { unlessMissing } from '../fs-errors.js';

export interface CaReport {
  created?: boolean;
  clientCreated?: boolean;
  /** Where `ca init --force` moved the replaced CA. */
  oldCaDir?: string;
  paths: ConfigPaths;
  ca: CertInfo;
  client?: CertInfo;
}

/**
 * `--force` replaces the CA only once confirmed, and moves the old one aside (with its client
 * certificate) instead of deleting it: cards seeded with it trust only that CA.
 */
export async function caInit(opts: {
  force?: boolean;
  confirm?: (question: string) => Promise<boolean>;
}): Promise<CaReport> {
  const paths = await laptopPaths();
  let keptOld: string | undefined;
  if (opts.force && (await readCa(paths))) {
    const question = `Replace the laptop CA in ${paths.caDir}? Cards seeded with it will stop trusting this laptop (the old CA is kept beside it).`;
    const unchanged = `the laptop CA in ${paths.caDir} was not changed`;
    const yes = await opts.confirm?.(question).catch((error: unknown) => {
      // Ctrl-C or Ctrl-D at the question: exit 4, saying what was kept.
      throw error instanceof CancelledError ? new CancelledError(unchanged) : error;
    });
    if (!yes)
      throw new UserError(
        `kept the laptop CA in ${paths.caDir}; to replace it, answer 'yes' on a terminal or add --yes`,
      );
    keptOld = `${paths.caDir}.old-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await rename(paths.caDir, keptOld);
    await unlessMissing(
      rename(paths.clientDir, `${paths.clientDir}${keptOld.slice(paths.caDir.length)}`),
      undefined,
    );
  }
  const result = await initCa({ paths });
  const report = await caShow(result.paths);
  return {
    ...report,
    created: result.created,
    clientCreated: result.clientCreated,
    ...(keptOld ? { oldCaDir: keptOld } : {}),
  };
}

export async function caShow(paths?: ConfigPaths): Promise<CaReport> {
  const p = paths ?? (await laptopPaths());
  const ca = await readCa(p);
  if (!ca) throw new UserError(`no laptop CA in ${p.caDir} yet; run 'armada ca init'`);
  const client = await readBundle(p.clientDir);
  return {
    paths: p,
    ca: describeCert(ca.certPem),
    ...(client ? { client: describeCert(client.cert) } : {}),
  };
}

export async function caPath(): Promise<ConfigPaths> {
  return laptopPaths();
}

export function formatCa(r: CaReport): string {
  const lines: string[] = [];
  if (r.created !== undefined) {
    lines.push(
      r.created
        ? `created the laptop CA in ${r.paths.caDir}; back up ca-key.pem: cards seeded with it trust only this CA`
        : `the laptop CA in ${r.paths.caDir} already exists (kept; 'armada ca init --force' replaces it, and cards seeded with the old one stop trusting this laptop)`,
    );
    if (r.oldCaDir)
      lines.push(
        `the old CA is kept in ${r.oldCaDir}: cards seeded with it can be re-seeded with 'armada configure'`,
      );
    if (r.clientCreated)
      lines.push(`made this laptop's client certificate in ${r.paths.clientDir}`);
    lines.push('');
  }
  const cert = (title: string, c: CertInfo, path: string) => [
    `${title}: ${c.subject}`,
    `  valid    ${c.notBefore} … ${c.notAfter}`,
    `  sha256   ${c.sha256}`,
    `  file     ${path}`,
  ];
  lines.push(
    ...cert('CA', r.ca, r.paths.caCert),
    `  key      ${r.paths.caKey} (0600, never copied to a card)`,
  );
  if (r.client) lines.push(...cert('client', r.client, `${r.paths.clientDir}/cert.pem`));
  else lines.push(`client: none in ${r.paths.clientDir}; 'armada ca init' makes it`);
  return lines.join('\n');
}
