/**
 * The summary people read after a seed is written: configure prints it, and flash prints it per
 * card. It names commands and flags, so it lives at the CLI edge.
 */
import type { SeedReport } from '../seed/report.js';
import type { TlsMode } from '../seed/types.js';

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
    ...(r.configTxt
      ? [
          `  config.txt ${r.configTxt.length ? `armada block: ${r.configTxt.join('; ')}` : 'armada block removed'}`,
        ]
      : []),
    '',
    `next: boot the Pi, then '${connectAdvice(host, r.tlsMode, r.username)}'`,
  ];
  return lines.join('\n');
}
