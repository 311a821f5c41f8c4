/**
 * `armada inspect` for humans. Pure: a report in, text out.
 */
import { formatBinary } from '../format-bytes.js';
import type { ModelVerdict } from '../image/pi-models.js';
import type { InspectReport, PackageVersion } from './types.js';

const formatSize = (bytes: number) => formatBinary(bytes, 'short');

function shortModel(v: Pick<ModelVerdict, 'name'>): string {
  return v.name
    .replace(/^Raspberry Pi /, '')
    .replace(' Model ', '')
    .replace('Compute Module ', 'CM');
}

/** The boot-chain verdicts in one line: who is proven, who is not and the first reason. */
export function bootChainLine(b: InspectReport['bootChain']): string {
  if ('error' in b) return `not proven: ${b.error}`;
  const proven = b.filter((v) => v.proven).map(shortModel);
  const not = b
    .filter((v) => !v.proven)
    .map((v) => {
      const g = v.gaps[0];
      const why = g ? `${g.compatible ? `${g.path} ${g.compatible}: ` : ''}${g.message}` : '';
      return `${shortModel(v)}${v.claimed ? '' : ' (not claimed)'}${why ? `: ${why}` : ''}`;
    });
  return `proven ${proven.length ? proven.join(', ') : 'none'}${not.length ? `; not ${not.join('; ')}` : ''}`;
}

const row = (label: string, value: string) => `  ${label.padEnd(14)}${value}`;
const pkg = (p: PackageVersion | undefined) =>
  p ? `${p.version} (${p.package})` : 'not installed';

export function formatInspect(r: InspectReport): string {
  const lines: string[] = [
    `${r.target} (${r.kind === 'device' ? 'card' : 'image file'}, ${formatSize(r.sizeBytes)})`,
    row(
      'layout',
      `${r.layout.label === 'dos' ? 'MBR' : 'GPT'}, disk id ${r.layout.diskId}, ${r.layout.partitions.length} partition${r.layout.partitions.length === 1 ? '' : 's'}`,
    ),
  ];
  for (const p of r.layout.partitions) {
    const what = [p.fs ?? `type ${p.type}`, p.label ? `"${p.label}"` : ''].filter(Boolean);
    lines.push(
      `    p${p.n}  ${what.join(' ').padEnd(22)} at ${formatSize(p.offsetBytes).padEnd(9)} ${formatSize(p.sizeBytes)}${p.bootable ? ', bootable' : ''}`,
    );
  }
  lines.push(
    row(
      'OS',
      r.os
        ? `${r.os.prettyName}${r.os.debianVersion ? `, ${r.os.debianVersion}` : ''}`
        : 'unknown (no /etc/os-release)',
    ),
  );
  if (r.armada)
    lines.push(
      row(
        'armada',
        `${r.armada.version ?? 'unknown version'}${r.armada.builtAt ? `, built ${r.armada.builtAt}` : ''}`,
      ),
    );
  lines.push(row('kernels', r.kernels.length ? r.kernels.join(', ') : 'none found'));
  const k = r.kernelCheck;
  lines.push(row('kernel check', 'error' in k ? `could not run: ${k.error}` : k.summary));
  lines.push(row('Docker', pkg(r.packages.docker)));
  lines.push(row('containerd', pkg(r.packages.containerd)));
  lines.push(row('runc', pkg(r.packages.runc)));
  lines.push(row('Compose', pkg(r.packages.compose)));
  lines.push(row('buildx', pkg(r.packages.buildx)));

  const boots = r.piModels.filter((v) => v.boots).map(shortModel);
  const not = r.piModels.filter((v) => !v.boots).map(shortModel);
  lines.push(
    row(
      'Pi models',
      r.piModels.length
        ? `boots ${boots.length ? boots.join(', ') : 'none'}${not.length ? `; not ${not.join(', ')} (see the warnings)` : ''}`
        : 'not checked (no FAT boot partition)',
    ),
  );

  lines.push(row('boot chain', bootChainLine(r.bootChain)));

  const s = r.seed;
  if (!s) {
    lines.push(row('seed', "none: first boot brings the card up as 'armada' with DHCP"));
  } else {
    const who = [
      s.hostname ? `hostname ${s.hostname}` : 'default hostname',
      s.user ? `user ${s.user}` : 'no user',
      `${s.sshKeys} SSH key${s.sshKeys === 1 ? '' : 's'}`,
      s.passwordHashSet ? 'password hash set' : 'no password',
    ];
    lines.push(row('seed', who.join(', ')));
    lines.push(
      row(
        '',
        `TLS ${
          s.tlsMode === 'laptop'
            ? 'laptop CA'
            : s.tlsMode === 'device'
              ? 'device CA (made on first boot)'
              : (s.tlsMode ?? 'mode not set')
        }`,
      ),
    );
    if (s.certificates.serverSha256)
      lines.push(row('', `server certificate sha256 ${s.certificates.serverSha256}`));
    if (s.certificates.caSha256)
      lines.push(row('', `CA certificate sha256 ${s.certificates.caSha256}`));
    if (s.wifiSsid || s.wifiCountry)
      lines.push(
        row(
          '',
          `Wi-Fi ${s.wifiSsid ?? '(no SSID)'}${s.wifiCountry ? ` (${s.wifiCountry})` : ''}${s.wifiPskSet ? ', key set' : ''}`,
        ),
      );
    if (s.timezone) lines.push(row('', `time zone ${s.timezone}`));
    if (s.insecureTcp) lines.push(row('', 'INSECURE: Docker without TLS on 2375 requested'));
    if (s.serverKeyOnCard) lines.push(row('', 'server key on the card (first boot removes it)'));
    lines.push(row('', `files: ${s.files.join(', ')}`));
  }

  const f = r.firstBoot;
  if (!f) lines.push(row('first boot', 'not yet (no armada/status.json)'));
  else if ('error' in f) lines.push(row('first boot', f.error));
  else {
    lines.push(
      row(
        'first boot',
        `${f.ok ? 'done' : `failed steps: ${f.failedSteps.join(', ')}`}${f.seconds !== undefined ? ` in ${f.seconds} s` : ''}${f.version ? ` (armada ${f.version})` : ''}`,
      ),
    );
    if (f.endpoint)
      lines.push(row('', `${f.hostname ?? ''} ${f.endpoint} (TLS ${f.tlsMode ?? '?'})`.trim()));
    if (f.serverCertSha256) lines.push(row('', `server certificate sha256 ${f.serverCertSha256}`));
    if (f.insecureTcp) lines.push(row('', 'INSECURE: Docker answers without TLS on 2375'));
    for (const [name, addrs] of Object.entries(f.interfaces ?? {}))
      lines.push(row('', `${name} ${addrs.length ? addrs.join(' ') : '(no address)'}`));
  }
  return lines.join('\n');
}
