/**
 * The summary people read after a seed is written: configure prints it, and flash prints it per
 * card. It names commands and flags, so it lives at the CLI edge.
 */
import type { Numbering } from '../flash/fleet-counter.js';
import type { SeedReport } from '../seed/report.js';
import type { TlsMode } from '../seed/types.js';

/** Where a `{n}` card's number came from: the counter flash and configure share, or --start. */
export function numberingNote(n: Numbering): string {
  return n.continued
    ? `continuing ${n.template} from ${n.start}; --start N to choose`
    : `numbering ${n.template} from ${n.start}; the next run continues after it`;
}

/** The connect command for a seeded card; the device console prints the same one. */
export function connectAdvice(host: string, tlsMode: TlsMode, username?: string): string {
  const base = `armada connect ${host}.local`;
  if (tlsMode === 'laptop') return base;
  return username ? `${base} --ssh ${username}@${host}.local` : `${base} --from-card <this card>`;
}

/** `numbering`: say on the hostname line how it was numbered (configure; flash says it per card). */
export function formatSeedReport(target: string, r: SeedReport, numbering?: Numbering): string {
  const host = r.hostname ?? '<device>';
  const lines = [
    `seeded ${target}: ${r.files.length} files in armada/ (read back and verified)`,
    `  hostname   ${r.hostname ?? '(image default)'}${numbering && r.hostname ? ` (${numberingNote(numbering)})` : ''}`,
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
