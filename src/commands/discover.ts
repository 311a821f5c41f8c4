/**
 * `armada discover`: browse mDNS for `_docker._tcp` and say, for each host, whether this laptop
 * holds a certificate it trusts. Armada devices publish TXT `tls=1`, `armada=<version>`,
 * `tlsmode=laptop|device` and, in laptop-CA mode, `ca=<sha256 of the CA certificate>`.
 * Browsing is bonjour-service; turning what it found into hosts is pure and tested apart.
 */
import { access } from 'node:fs/promises';
import { Bonjour, type Service } from 'bonjour-service';
import { UserError } from '../errors.js';
import type { ConfigPaths } from '../config-dir.js';
import { bundlePaths } from '../config-dir.js';
import { certSha256Hex } from '../tls/certs.js';
import { hostDir } from '../tls/bundle.js';
import { laptopPaths, readCa } from '../tls/store.js';

/** What the browser reports about one service (the subset of bonjour-service's Service we use). */
export interface ServiceRecord {
  name: string;
  host?: string;
  port: number;
  addresses?: string[];
  txt?: Record<string, unknown>;
  referer?: { address: string };
}

export type Trust =
  | { trusted: true; via: 'host-bundle' | 'laptop-ca'; detail: string }
  | { trusted: false; detail: string };

export interface DiscoveredHost {
  name: string;
  host: string;
  addresses: string[];
  port: number;
  txt: Record<string, string>;
  tls: boolean;
  armadaVersion?: string;
  tlsMode?: string;
  trust: Trust;
}

/** What this laptop holds: which hosts have a stored bundle, and the laptop CA's fingerprint. */
export interface TrustInputs {
  hostBundles: ReadonlySet<string>;
  laptopCaSha256?: string;
}

function decodeTxt(txt: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(txt ?? {})) {
    out[k.toLowerCase()] =
      typeof v === 'string'
        ? v
        : v instanceof Uint8Array
          ? Buffer.from(v).toString('utf8')
          : v === true
            ? ''
            : String(v);
  }
  return out;
}

/** Pure: one browsed service → one host with its trust verdict. */
export function toDiscoveredHost(s: ServiceRecord, trust: TrustInputs): DiscoveredHost {
  const txt = decodeTxt(s.txt);
  const host = (s.host ?? `${s.name}.local`).replace(/\.$/, '');
  const addresses = [
    ...new Set([
      ...(s.addresses ?? []),
      ...(s.referer && !s.addresses?.length ? [s.referer.address] : []),
    ]),
  ];
  const names = [
    host.toLowerCase(),
    host.toLowerCase().replace(/\.local$/, ''),
    ...addresses.map((a) => a.toLowerCase()),
  ];
  const tlsMode = txt.tlsmode;
  let verdict: Trust;
  const bundleName = names.find((n) => trust.hostBundles.has(n));
  if (bundleName)
    verdict = {
      trusted: true,
      via: 'host-bundle',
      detail: `client bundle stored for ${bundleName}`,
    };
  else if (tlsMode === 'laptop' && trust.laptopCaSha256) {
    if (txt.ca && txt.ca.toLowerCase() !== trust.laptopCaSha256)
      verdict = { trusted: false, detail: "seeded by another laptop's CA" };
    else
      verdict = {
        trusted: true,
        via: 'laptop-ca',
        detail: txt.ca ? "seeded with this laptop's CA" : 'laptop-CA device; this laptop has a CA',
      };
  } else if (tlsMode === 'laptop')
    verdict = {
      trusted: false,
      detail: "laptop-CA device, but this laptop has no CA ('armada ca init')",
    };
  else if (tlsMode === 'device')
    verdict = {
      trusted: false,
      detail: `device CA: fetch its bundle with 'armada connect ${host} --ssh <user>@${host}'`,
    };
  else
    verdict = {
      trusted: false,
      detail: txt.armada ? 'device did not say its TLS mode' : 'not an armada device',
    };
  return {
    name: s.name,
    host,
    addresses,
    port: s.port,
    txt,
    tls: txt.tls === '1',
    ...(txt.armada ? { armadaVersion: txt.armada } : {}),
    ...(tlsMode ? { tlsMode } : {}),
    trust: verdict,
  };
}

/** Pure: one entry per host:port (a host seen on two interfaces is one host), sorted by name. */
export function mergeHosts(hosts: readonly DiscoveredHost[]): DiscoveredHost[] {
  const byKey = new Map<string, DiscoveredHost>();
  for (const h of hosts) {
    const key = `${h.host.toLowerCase()}:${h.port}`;
    const seen = byKey.get(key);
    byKey.set(
      key,
      seen ? { ...seen, addresses: [...new Set([...seen.addresses, ...h.addresses])] } : h,
    );
  }
  return [...byKey.values()].sort((a, b) => a.host.localeCompare(b.host));
}

async function trustInputs(
  paths: ConfigPaths,
  candidates: readonly string[],
): Promise<TrustInputs> {
  const hostBundles = new Set<string>();
  for (const c of candidates) {
    const ok = await access(bundlePaths(hostDir(paths, c)).key).then(
      () => true,
      () => false,
    );
    if (ok) hostBundles.add(c.toLowerCase());
  }
  const ca = await readCa(paths).catch(() => undefined);
  return { hostBundles, ...(ca ? { laptopCaSha256: certSha256Hex(ca.certPem) } : {}) };
}

export interface DiscoverOptions {
  timeoutMs?: number;
}

/** Browse for `timeoutMs` (asking again halfway, for hosts that missed the first query). */
export async function browseDocker(timeoutMs: number): Promise<ServiceRecord[]> {
  const found: Service[] = [];
  let failure: unknown;
  const bonjour = new Bonjour({}, (error: unknown) => (failure = error));
  try {
    const browser = bonjour.find({ type: 'docker', protocol: 'tcp' }, (s) => found.push(s));
    const again = setTimeout(() => browser.update(), Math.min(1000, timeoutMs / 2));
    await new Promise((resolve) => setTimeout(resolve, timeoutMs));
    clearTimeout(again);
    browser.stop();
  } finally {
    await new Promise<void>((resolve) => bonjour.destroy(() => resolve()));
  }
  if (failure && !found.length)
    throw new UserError(
      `mDNS browsing failed: ${failure instanceof Error ? failure.message : JSON.stringify(failure)}; is UDP port 5353 usable here?`,
    );
  return found.map((s) => ({
    name: s.name,
    host: s.host,
    port: s.port,
    addresses: s.addresses ?? [],
    txt: (s.txt ?? {}) as Record<string, unknown>,
    ...(s.referer ? { referer: { address: s.referer.address } } : {}),
  }));
}

export async function discover(opts: DiscoverOptions = {}): Promise<DiscoveredHost[]> {
  const timeoutMs = opts.timeoutMs ?? 3000;
  if (!(timeoutMs > 0 && timeoutMs <= 600_000))
    throw new UserError('--timeout must be between 0 and 600 seconds');
  const services = await browseDocker(timeoutMs);
  const candidates = services
    .flatMap((s) => [
      s.host ?? '',
      (s.host ?? '').replace(/\.local\.?$/, ''),
      ...(s.addresses ?? []),
    ])
    .filter(Boolean);
  const trust = await trustInputs(await laptopPaths(), candidates);
  return mergeHosts(services.map((s) => toDiscoveredHost(s, trust)));
}

export function formatDiscover(hosts: readonly DiscoveredHost[], timeoutMs: number): string {
  if (!hosts.length)
    return `no _docker._tcp hosts answered within ${timeoutMs / 1000} s (same network? mDNS allowed?)`;
  return hosts
    .map((h) => {
      const kind = h.armadaVersion ? `armada ${h.armadaVersion}` : 'docker';
      const tls = h.tls ? 'tls' : 'NO TLS';
      const trust = h.trust.trusted
        ? `trusted (${h.trust.detail})`
        : `not trusted: ${h.trust.detail}`;
      return `${h.host}:${h.port}  ${h.addresses.join(', ') || '(no address)'}  ${kind}, ${tls}${h.tlsMode ? `, ${h.tlsMode} CA` : ''}\n  ${trust}`;
    })
    .join('\n');
}
