/**
 * cloud-init's NoCloud `network-config` file (Raspberry Pi Imager 2 writes one next to
 * user-data): netplan version 2, under `network:` or at the top level. Pure; read like
 * user-data (YAML 1.1, every problem with its line).
 */
import type { Problem } from './types.js';
import { parseNetwork, type NetworkResult } from './user-data-network.js';
import { isRecord, openYaml } from './yaml-problems.js';

export type NetworkConfigResult =
  { ok: true; network: NetworkResult; warnings: Problem[] } | { ok: false; problems: Problem[] };

export function parseNetworkConfig(text: string): NetworkConfigResult {
  const { doc, p } = openYaml(text);
  if (!doc) return { ok: false, problems: p.problems };
  const root: unknown = doc.toJS({ maxAliasCount: 100 });
  let network: NetworkResult = { ethernets: [] };
  if (root === null || root === undefined) return { ok: true, network, warnings: [] };
  if (!isRecord(root)) {
    p.error([], 'network-config is not a mapping', 'write network: { version: 2, ... }');
    return { ok: false, problems: p.problems };
  }
  if (Object.hasOwn(root, 'network')) {
    for (const k of Object.keys(root))
      if (k !== 'network')
        p.error([k], `'${k}' does not belong in network-config`, `move ${k} under network:`);
    network = parseNetwork({ network: root.network }, p);
  } else {
    // cloud-init also takes the version 2 mapping without the network: line.
    if (root.version !== 2)
      p.error(
        ['version'],
        'only netplan version 2 network config is understood',
        'write version: 2 with ethernets/wifis',
      );
    for (const k of Object.keys(root))
      if (k === 'renderer')
        p.warn([k], 'renderer is ignored (armada uses systemd-networkd)', 'remove it');
      else if (k !== 'version' && k !== 'wifis' && k !== 'ethernets')
        p.error([k], `network-config key '${k}' is not supported`, `remove ${k}`);
    network = parseNetwork({ wifis: root.wifis, ethernets: root.ethernets }, p);
  }
  const sorted = [...p.problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  if (p.hasErrors) return { ok: false, problems: sorted };
  return { ok: true, network, warnings: sorted };
}
