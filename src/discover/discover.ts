/**
 * Discovering Docker hosts: browse mDNS, then say for each host whether this laptop holds a
 * certificate it trusts.
 */
import { access } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import { UsageError } from '../errors.js';
import type { ConfigPaths } from '../config-dir.js';
import { bundlePaths } from '../config-dir.js';
import { certSha256Hex } from '../tls/certs.js';
import { bundleFor, hostDir } from '../tls/bundle.js';
import { pingDocker } from '../tls/ping.js';
import { laptopPaths, readCa } from '../tls/store.js';
import { swarmRoleOf } from '../swarm/role.js';
import { browseDocker } from './browse.js';
import {
  checkedTrust,
  mergeHosts,
  toDiscoveredHost,
  type DiscoveredHost,
  type TrustInputs,
} from './records.js';

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

export async function discover(opts: DiscoverOptions = {}): Promise<DiscoveredHost[]> {
  const timeoutMs = opts.timeoutMs ?? 3000;
  if (!(timeoutMs > 0 && timeoutMs <= 600_000))
    throw new UsageError(
      `--timeout ${Number.isNaN(timeoutMs) ? 'is not a number' : `${timeoutMs / 1000} is out of range`}: give more than 0 and at most 600 seconds`,
    );
  const services = await browseDocker(timeoutMs);
  const candidates = services
    .flatMap((s) => [
      s.host ?? '',
      (s.host ?? '').replace(/\.local\.?$/, ''),
      ...(s.addresses ?? []),
    ])
    .filter(Boolean);
  const trust = await trustInputs(await laptopPaths(), candidates);
  const hosts = mergeHosts(services.map((s) => toDiscoveredHost(s, trust)));
  const paths = await laptopPaths();
  // TXT records are anyone's to announce: a host is trusted only once its TLS port answers
  // /_ping with the certificate this laptop would use, checked against the announced name.
  return Promise.all(
    hosts.map(async (h) => {
      if (!h.trust.trusted) return h;
      const address = h.addresses.find((a) => isIPv4(a)) ?? h.addresses[0];
      // The bundle stored for the host's name or one of its addresses, else this laptop's.
      const all = await Promise.all([h.host, ...h.addresses].map((n) => bundleFor(paths, n)));
      const found = all.find((b) => b?.source === 'host') ?? all[0];
      const ping = found
        ? await pingDocker({
            host: h.host,
            ...(address ? { address } : {}),
            port: h.port,
            ...found.bundle,
            timeoutMs: Math.min(timeoutMs, 5000),
          })
        : undefined;
      const checked = checkedTrust(h, ping);
      if (!checked.trust.trusted) return checked;
      const role = await swarmRoleOf(`${h.host}:${h.port}`, address, timeoutMs);
      return role ? { ...checked, swarm: { role, checked: true } } : checked;
    }),
  );
}
