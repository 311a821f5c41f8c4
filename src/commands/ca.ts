/**
 * `armada ca init|show|path`: the laptop CA that signs every card's server certificate and this
 * laptop's client certificate.
 */
import { UserError } from '../errors.js';
import type { ConfigPaths } from '../config-dir.js';
import { describeCert, type CertInfo } from '../tls/certs.js';
import { initCa, laptopPaths, readCa } from '../tls/store.js';
import { readBundle } from '../tls/bundle.js';

export interface CaReport {
  created?: boolean;
  clientCreated?: boolean;
  paths: ConfigPaths;
  ca: CertInfo;
  client?: CertInfo;
}

export async function caInit(opts: { force?: boolean }): Promise<CaReport> {
  const result = await initCa({ force: Boolean(opts.force) });
  const report = await caShow(result.paths);
  return { ...report, created: result.created, clientCreated: result.clientCreated };
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
    if (r.clientCreated)
      lines.push(`made this laptop's client certificate in ${r.paths.clientDir}`);
    lines.push('');
  }
  const cert = (title: string, c: CertInfo, path: string) => [
    `${title}: ${c.subject}`,
    `  valid    ${c.notBefore} … ${c.notAfter}`,
    `  sha256   ${c.sha256}`,
    `  sha1     ${c.sha1}`,
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
