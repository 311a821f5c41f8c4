/**
 * Pure: what mDNS browsing found, turned into hosts with a trust verdict. Armada devices publish
 * TXT `tls=1`, `armada=<version>`, `tlsmode=laptop|device`, `ca=<sha256 of the CA
 * certificate>` (first boot writes them) and `swarm=manager|worker|none` (armada-swarm-hint.timer). TXT records are unauthenticated hints: anyone on the
 * network can announce any of them, so the verdict only says which certificate to try; the TLS
 * handshake is what proves a host (`checkedTrust`).
 */
/** What the browser reports about one service (the subset of bonjour-service's Service we use). */
export interface ServiceRecord {
  name: string;
  host?: string;
  port: number;
  addresses?: string[];
  txt?: Record<string, unknown>;
  referer?: { address: string };
}

/**
 * `tlsChecked`: this laptop's TLS handshake and `/_ping` against the host (true: it answered,
 * false: it did not); absent when nothing was tried (no certificate to try).
 */
export type Trust =
  | { trusted: true; via: 'host-bundle' | 'laptop-ca'; detail: string; tlsChecked?: true }
  | { trusted: false; detail: string; tlsChecked?: boolean };

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
  /** The swarm role: the TXT hint, or (checked) what the host's TLS API said. */
  swarm?: { role: string; checked: boolean };
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
    ...(txt.swarm ? { swarm: { role: txt.swarm, checked: false } } : {}),
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

/**
 * Pure: a TXT-based verdict after trying the host's TLS port. Trusted stays trusted only when
 * /_ping answered; a host whose port did not (or answered with another certificate) is not.
 */
export function checkedTrust(
  h: DiscoveredHost,
  ping: { ready: true } | { ready: false; message: string } | undefined,
): DiscoveredHost {
  if (!h.trust.trusted) return h;
  if (ping?.ready) return { ...h, trust: { ...h.trust, tlsChecked: true } };
  return {
    ...h,
    trust: {
      trusted: false,
      detail: ping
        ? `${h.trust.detail}, but its TLS port did not answer: ${ping.message}`
        : `${h.trust.detail}, but this laptop has no client certificate to try it with`,
      tlsChecked: false,
    },
  };
}
