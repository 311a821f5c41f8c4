/**
 * What a written seed amounts to, for people: the summary configure prints, and flash prints per
 * card. Never the seed's secrets, only the paths it wrote.
 */
import { parseSeedEnv } from './seed-env.js';
import type { PreparedSeed, TlsMode } from './types.js';

export interface SeedReport {
  hostname?: string;
  username?: string;
  tlsMode: TlsMode;
  serverCertSha256?: string;
  /** Paths written under the FAT partition. */
  files: string[];
  warnings: string[];
}

/** The report of a prepared seed (the login name is read from its own seed.env). */
export function seedReport(seed: PreparedSeed): SeedReport {
  const envFile = seed.files.find((f) => f.path === 'armada/seed.env');
  const username = envFile ? parseSeedEnv(String(envFile.content)).USERNAME : undefined;
  return {
    ...(seed.hostname ? { hostname: seed.hostname } : {}),
    ...(username ? { username } : {}),
    tlsMode: seed.tlsMode,
    ...(seed.serverCertSha256 ? { serverCertSha256: seed.serverCertSha256 } : {}),
    files: seed.files.map((f) => f.path),
    warnings: seed.warnings,
  };
}

/** The connect command for a seeded card; the device console prints the same one. */
export function connectAdvice(host: string, tlsMode: TlsMode, username?: string): string {
  const base = `armada connect ${host}.local`;
  if (tlsMode === 'laptop') return base;
  return username ? `${base} --ssh ${username}@${host}.local` : `${base} --from-card <this card>`;
}

export function formatSeedReport(target: string, r: SeedReport): string {
  const host = r.hostname ?? '<device>';
  const lines = [
    `seeded ${target}: ${r.files.length} files in armada/ (read back and verified)`,
    `  hostname   ${r.hostname ?? '(image default)'}`,
    `  login      ${r.username ? `${r.username} (ssh ${r.username}@${host}.local)` : 'none (no SSH key or password given)'}`,
    `  TLS        ${r.tlsMode === 'laptop' ? `laptop CA; server certificate sha256 ${r.serverCertSha256 ?? '?'} (valid for ${host} and ${host}.local; --san <address> adds an IP)` : 'device CA (made at first boot, which signs the request for this laptop’s key; then armada connect <host> --from-card <card>)'}`,
    '',
    `next: boot the Pi, then '${connectAdvice(host, r.tlsMode, r.username)}'`,
  ];
  return lines.join('\n');
}
