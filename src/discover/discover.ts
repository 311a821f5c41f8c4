/**
 * Discovering Docker hosts: browse mDNS, then say for each host whether this laptop holds a
 * certificate it trusts.
 */
import { access } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import type { ConfigPaths } from '../config-dir.js';
import { bundlePaths } from '../config-dir.js';
import { certSha256Hex } from '../tls/certs.js';
import { hostDir } from '../tls/bundle.js';
import { laptopPaths, readCa } from '../tls/store.js';
import { swarmRoleOf } from '../swarm/role.js';
import { browseDocker } from './browse.js';
import { mergeHosts, toDiscoveredHost, type DiscoveredHost, type TrustInputs } from './records.js';

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
  // The TXT hint is anyone's to announce; a host this laptop can talk to says its role itself.
  return Promise.all(
    hosts.map(async (h) => {
      if (!h.trust.trusted) return h;
      const role = await swarmRoleOf(`${h.host}:${h.port}`, h.addresses[0], timeoutMs);
      return role ? { ...h, swarm: { role, checked: true } } : h;
    }),
  );
}
