/**
 * The pieces of an image `armada inspect` reads, turned into facts. Pure: the reader (read.ts)
 * hands over bytes and text; nothing here touches the disk.
 */
import { X509Certificate } from 'node:crypto';
import type { FirstBootStatus, OsRelease, PackageVersions, SeedSummary } from './types.js';

/** /etc/os-release: KEY=value lines, values optionally quoted. */
export function parseOsRelease(text: string): OsRelease | undefined {
  const v: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    v[m[1]] = m[2].replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
  }
  if (!v.ID && !v.PRETTY_NAME) return undefined;
  return {
    prettyName: v.PRETTY_NAME ?? v.NAME ?? v.ID,
    id: v.ID ?? '',
    ...(v.VERSION_ID ? { versionId: v.VERSION_ID } : {}),
    ...(v.VERSION_CODENAME ? { codename: v.VERSION_CODENAME } : {}),
    ...(v.DEBIAN_VERSION_FULL ? { debianVersion: v.DEBIAN_VERSION_FULL } : {}),
  };
}

/** Installed packages from dpkg's status file (removed-but-not-purged ones left out). */
export function parseDpkgStatus(text: string): Map<string, string> {
  const installed = new Map<string, string>();
  for (const stanza of text.split(/\n\s*\n/)) {
    const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(stanza)?.[1]?.trim();
    const name = field('Package');
    const version = field('Version');
    if (name && version && field('Status')?.endsWith(' installed')) installed.set(name, version);
  }
  return installed;
}

/** Each role, by the first of its packages that is installed (Debian's names, then Docker's). */
const roles: [keyof PackageVersions, string[]][] = [
  ['docker', ['docker.io', 'docker-ce', 'moby-engine']],
  ['containerd', ['containerd', 'containerd.io']],
  ['runc', ['runc']],
  ['compose', ['docker-compose-plugin', 'docker-compose']],
  ['buildx', ['docker-buildx', 'docker-buildx-plugin']],
];

export function packageVersions(installed: ReadonlyMap<string, string>): PackageVersions {
  const out: PackageVersions = {};
  for (const [role, names] of roles) {
    const name = names.find((n) => installed.has(n));
    if (name) out[role] = { package: name, version: installed.get(name)! };
  }
  return out;
}

/** Kernel versions from /boot names (vmlinuz-<v>) and installed linux-image-<v> packages. */
export function kernelVersions(
  bootNames: readonly string[],
  installed: ReadonlyMap<string, string>,
): string[] {
  const fromBoot = bootNames.filter((n) => n.startsWith('vmlinuz-')).map((n) => n.slice(8));
  const fromDpkg = [...installed.keys()]
    .map((n) => /^linux-image-(\d.*)$/.exec(n)?.[1])
    .filter((v): v is string => v !== undefined && !v.endsWith('-dbg'));
  return [...new Set([...fromBoot, ...fromDpkg])].sort((a, b) =>
    a.localeCompare(b, 'en', { numeric: true }),
  );
}

/** SHA-256 of a PEM certificate's DER, lower-case hex: what first boot prints. */
function certificateSha256(pem: string): string | undefined {
  try {
    return new X509Certificate(pem).fingerprint256.replaceAll(':', '').toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * The seed, redacted: who, what TLS mode, which certificates. Never a secret: the password hash,
 * the Wi-Fi PSK and private keys are reported only as present or not.
 */
export function summariseSeed(
  files: readonly string[],
  read: { seedEnv?: string; authorizedKeys?: string; caPem?: string; serverPem?: string },
): SeedSummary {
  // Parsed leniently and locally: a malformed line is counted, never echoed (it may hold a secret).
  const env: Record<string, string> = {};
  const problems: string[] = [];
  let bad = 0;
  for (const line of (read.seedEnv ?? '').split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const m = /^([A-Z][A-Z0-9_]*)='((?:[^']|'\\'')*)'$/.exec(line);
    if (m) env[m[1]] = m[2].replaceAll(`'\\''`, "'");
    else bad++;
  }
  if (bad)
    problems.push(`armada/seed.env has ${bad} line${bad > 1 ? 's' : ''} first boot will not read`);
  const keys = (read.authorizedKeys ?? '')
    .split('\n')
    .filter((l) => l.trim() && !l.trim().startsWith('#')).length;
  const under = (dir: string) => files.filter((f) => f.toLowerCase().startsWith(`/armada/${dir}`));
  const ca = read.caPem ? certificateSha256(read.caPem) : undefined;
  const server = read.serverPem ? certificateSha256(read.serverPem) : undefined;
  return {
    files: files.map((f) => f.replace(/^\/armada\//i, '')),
    ...(env.HOSTNAME ? { hostname: env.HOSTNAME } : {}),
    ...(env.USERNAME ? { user: env.USERNAME } : {}),
    ...(env.TLS_MODE ? { tlsMode: env.TLS_MODE } : {}),
    insecureTcp: env.INSECURE_TCP === '1',
    ...(env.TIMEZONE ? { timezone: env.TIMEZONE } : {}),
    ...(env.WIFI_SSID ? { wifiSsid: env.WIFI_SSID } : {}),
    ...(env.WIFI_COUNTRY ? { wifiCountry: env.WIFI_COUNTRY } : {}),
    sshKeys: keys,
    passwordHashSet: Boolean(env.PASSWORD_HASH),
    wifiPskSet: Boolean(env.WIFI_PSK),
    certificates: {
      ...(ca ? { caSha256: ca } : {}),
      ...(server ? { serverSha256: server } : {}),
    },
    serverKeyOnCard: under('tls/').some((f) => /key/i.test(f)),
    clientBundleOnCard: under('client/').some((f) => /key\.pem$/i.test(f)),
    problems,
  };
}

/** armada/status.json as first boot writes it; only the fields it documents are kept. */
export function parseFirstBootStatus(text: string): FirstBootStatus | { error: string } {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { error: 'armada/status.json is not valid JSON' };
  }
  const str = (k: string) => {
    const x = v[k];
    return typeof x === 'string' ? x : undefined;
  };
  const failed = Array.isArray(v.failedSteps)
    ? v.failedSteps.filter((s): s is string => typeof s === 'string')
    : [];
  return {
    ok: v.ok === true,
    ...(str('hostname') ? { hostname: str('hostname') } : {}),
    ...(str('endpoint') ? { endpoint: str('endpoint') } : {}),
    ...(str('tlsMode') ? { tlsMode: str('tlsMode') } : {}),
    ...(str('serverCertSha256') ? { serverCertSha256: str('serverCertSha256') } : {}),
    ...(str('caCertSha256') ? { caCertSha256: str('caCertSha256') } : {}),
    ...(typeof v.seconds === 'number' ? { seconds: v.seconds } : {}),
    insecureTcp: v.insecureTcp === true,
    ...(str('version') ? { version: str('version') } : {}),
    failedSteps: failed,
    ...(interfacesOf(v.interfaces) ? { interfaces: interfacesOf(v.interfaces) } : {}),
  };
}

function interfacesOf(x: unknown): Record<string, string[]> | undefined {
  if (!x || typeof x !== 'object' || Array.isArray(x)) return undefined;
  const out: Record<string, string[]> = {};
  for (const [name, addrs] of Object.entries(x as Record<string, unknown>))
    out[name] = Array.isArray(addrs) ? addrs.filter((a): a is string => typeof a === 'string') : [];
  return out;
}

/** A FAT volume label (boot sector) or an ext2/3/4 label (superblock at 1024), or undefined. */
export function filesystemOf(head: Buffer): { fs: string; label?: string } | undefined {
  const text = (b: Buffer) => b.toString('latin1').replace(/\0.*$/s, '').trim();
  if (head.length >= 1024 + 136 && head.readUInt16LE(1024 + 56) === 0xef53) {
    const compat = head.readUInt32LE(1024 + 92);
    const incompat = head.readUInt32LE(1024 + 96);
    // extents (0x40) or 64bit (0x80) mean ext4; a journal (compat 0x4) ext3; else ext2.
    const fs = incompat & 0xc0 ? 'ext4' : compat & 0x4 ? 'ext3' : 'ext2';
    const label = text(head.subarray(1024 + 120, 1024 + 136));
    return { fs, ...(label ? { label } : {}) };
  }
  if (head.length >= 512 && head[510] === 0x55 && head[511] === 0xaa) {
    const fat32 = head.toString('latin1', 0x52, 0x57) === 'FAT32';
    const fat = fat32 || head.toString('latin1', 0x36, 0x39) === 'FAT';
    if (!fat) return undefined;
    const label = text(head.subarray(fat32 ? 0x47 : 0x2b, (fat32 ? 0x47 : 0x2b) + 11));
    return {
      fs: fat32 ? 'vfat (FAT32)' : 'vfat',
      ...(label && label !== 'NO NAME' ? { label } : {}),
    };
  }
  return undefined;
}

export function parseImageEnv(text: string): { version?: string; builtAt?: string } {
  const v: Record<string, string> = {};
  for (const m of text.matchAll(/^([A-Z_]+)='([^']*)'$/gm)) v[m[1]] = m[2];
  return {
    ...(v.ARMADA_VERSION ? { version: v.ARMADA_VERSION } : {}),
    ...(v.BUILT_AT ? { builtAt: v.BUILT_AT } : {}),
  };
}
