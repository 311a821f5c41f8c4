/**
 * cloud-init network v2 ethernets → systemd-networkd .network and udev .link files, checked
 * against the exact text networkd and udev read.
 */
import { describe, expect, test } from 'vitest';
import { InternalError } from '../../../src/errors.js';
import { planSeed } from '../../../src/seed/plan.js';
import {
  linkFileName,
  networkFileName,
  renderLink,
  renderNetworkd,
} from '../../../src/seed/render-network.js';
import { mergeSettings } from '../../../src/seed/settings.js';
import type { EthernetSettings, Problem } from '../../../src/seed/types.js';
import { parseUserData } from '../../../src/seed/user-data.js';

/** The ethernets of a `network:` block (YAML under `ethernets:`, indented by 4). */
function parse(ethernets: string) {
  return parseUserData(`#cloud-config\nnetwork:\n  version: 2\n  ethernets:\n${ethernets}`);
}

function ethernets(yaml: string): { e: EthernetSettings[]; warnings: Problem[] } {
  const r = parse(yaml);
  if (!r.ok)
    throw new Error(r.problems.map((p) => `${p.path}: ${p.message}`).join('\n'), { cause: r });
  return { e: r.settings.ethernets, warnings: r.warnings };
}

function problems(yaml: string): string[] {
  const r = parse(yaml);
  if (r.ok) throw new Error('expected problems');
  return r.problems.filter((p) => p.severity === 'error').map((p) => `${p.path}: ${p.message}`);
}

const header = '# Made by armada from cloud-init network config.\n';

describe('match: the key is only an ID', () => {
  test('match: macaddress selects by MAC alone (no Name= from the ID)', () => {
    const { e } = ethernets(
      '    lan:\n      match:\n        macaddress: "52:54:00:99:00:02"\n      addresses: [10.99.0.12/24]\n',
    );
    expect(networkFileName(e[0], 0)).toBe('10-armada-1-lan.network');
    expect(renderNetworkd(e[0])).toBe(
      `${header}[Match]\nMACAddress=52:54:00:99:00:02\n\n[Network]\nDHCP=no\nAddress=10.99.0.12/24\n`,
    );
    expect(renderLink(e[0])).toBeUndefined();
  });

  test('name globs, drivers and an upper-case MAC; without match the key is the name', () => {
    const { e } = ethernets(
      '    uplink:\n      match: {name: "en*", driver: [r8152, "ax88179*"], macaddress: "AA:BB:CC:00:11:22"}\n      dhcp4: true\n' +
        '    eth1:\n      dhcp4: true\n',
    );
    expect(renderNetworkd(e[0])).toBe(
      `${header}[Match]\nName=en*\nMACAddress=aa:bb:cc:00:11:22\nDriver=r8152 ax88179*\n\n[Network]\nDHCP=ipv4\n`,
    );
    expect(renderNetworkd(e[1])).toBe(`${header}[Match]\nName=eth1\n\n[Network]\nDHCP=ipv4\n`);
    expect(networkFileName(e[1], 1)).toBe('10-armada-2-eth1.network');
  });

  test('set-name: a .link file renames the matched interface; the .network matches the new name', () => {
    const { e } = ethernets(
      '    lan:\n      match: {macaddress: "52:54:00:99:00:03", name: "enp*"}\n      set-name: lan0\n      addresses: [10.99.1.12/24]\n',
    );
    expect(linkFileName(e[0], 0)).toBe('10-armada-1-lan.link');
    expect(renderLink(e[0])).toBe(
      '# Made by armada from cloud-init network config (set-name).\n[Match]\nOriginalName=enp*\nMACAddress=52:54:00:99:00:03\n\n[Link]\nName=lan0\n',
    );
    expect(renderNetworkd(e[0])).toBe(
      `${header}[Match]\nName=lan0\nMACAddress=52:54:00:99:00:03\n\n[Network]\nDHCP=no\nAddress=10.99.1.12/24\n`,
    );
  });

  test('planSeed puts the .link next to the .network', () => {
    const text =
      '#cloud-config\nnetwork:\n  version: 2\n  ethernets:\n    lan:\n      match: {macaddress: "52:54:00:99:00:03"}\n      set-name: lan0\n      dhcp4: true\n';
    const ud = parseUserData(text);
    if (!ud.ok) throw new Error('should parse');
    const merged = mergeSettings({
      flags: { tls: 'device' },
      sshKeys: [],
      count: 1,
      userData: { settings: ud.settings },
    });
    if (!merged.ok) throw new Error('should merge');
    const paths = planSeed(merged.settings, 1).map((f) => f.path);
    expect(paths.filter((p) => p.startsWith('armada/network/'))).toEqual([
      'armada/network/10-armada-1-lan.network',
      'armada/network/10-armada-1-lan.link',
    ]);
  });
});

describe('the v2 ethernet keys people copy from the cloud-init docs', () => {
  test('dhcp4/6, mtu, optional, nameservers', () => {
    const { e } = ethernets(
      '    eth0:\n      dhcp4: true\n      dhcp6: true\n      mtu: 9000\n      optional: true\n' +
        '      nameservers:\n        addresses: [9.9.9.9, "2620:fe::fe"]\n        search: [home.lan, example.org]\n',
    );
    expect(renderNetworkd(e[0])).toBe(
      `${header}[Match]\nName=eth0\n\n[Link]\nMTUBytes=9000\nRequiredForOnline=no\n\n[Network]\nDHCP=yes\n` +
        'DNS=9.9.9.9\nDNS=2620:fe::fe\nDomains=home.lan example.org\n',
    );
    expect(ethernets('    eth0: {dhcp6: true}\n').e[0].dhcp6).toBe(true);
    expect(renderNetworkd(ethernets('    eth0: {dhcp6: true}\n').e[0])).toContain('DHCP=ipv6\n');
  });

  test('addresses, routes (default per IP version) and gateway4/6 with the cloud-init deprecation', () => {
    const { e, warnings } = ethernets(
      '    eth1:\n      addresses: [192.168.1.31/24, "fd00::31/64"]\n      gateway4: 192.168.1.1\n      gateway6: "fd00::1"\n' +
        '      routes:\n        - to: 10.20.0.0/16\n          via: 192.168.1.254\n          metric: 50\n' +
        '        - to: default\n          via: "fd00::2"\n        - {to: default, via: 192.168.1.2, metric: 200}\n',
    );
    expect(renderNetworkd(e[0])).toBe(
      `${header}[Match]\nName=eth1\n\n[Network]\nDHCP=no\nAddress=192.168.1.31/24\nAddress=fd00::31/64\n` +
        'Gateway=192.168.1.1\nGateway=fd00::1\n\n' +
        '[Route]\nDestination=10.20.0.0/16\nGateway=192.168.1.254\nMetric=50\n\n' +
        '[Route]\nDestination=::/0\nGateway=fd00::2\n\n' +
        '[Route]\nDestination=0.0.0.0/0\nGateway=192.168.1.2\nMetric=200\n',
    );
    expect(warnings.map((w) => `${w.path}: ${w.message} — ${w.fix}`)).toEqual([
      'network.ethernets.eth1.gateway4: the use of gateway4 and gateway6 is deprecated in cloud-init 22.4 and scheduled to be removed in 27.4 — write routes: [{ to: default, via: 192.168.1.1 }]',
      'network.ethernets.eth1.gateway6: the use of gateway4 and gateway6 is deprecated in cloud-init 22.4 and scheduled to be removed in 27.4 — write routes: [{ to: default, via: fd00::1 }]',
    ]);
  });

  test('unsupported keys and bad values are reported, never dropped', () => {
    expect(
      problems(
        '    eth0:\n      dhcp4: true\n      wakeonlan: true\n      dhcp4-overrides: {use-dns: false}\n' +
          '      addresses: ["10.0.0.2/24": {label: x}, 10.0.0.3, "10.0.0.4/"]\n' +
          '      routes: [{to: 10.1.0.0/16, via: 10.0.0.1, table: 5}, {to: 10.2.0.0/16, via: "fd00::1"}, {to: default, via: 10.0.0.1, metric: -1}]\n' +
          '      nameservers: {addresses: [1.1.1], search: ["bad domain"], options: [x]}\n' +
          '      mtu: 20\n      optional: maybe\n',
      ),
    ).toEqual([
      "network.ethernets.eth0.wakeonlan: ethernet setting 'wakeonlan' is not supported",
      "network.ethernets.eth0.dhcp4-overrides: ethernet setting 'dhcp4-overrides' is not supported",
      'network.ethernets.eth0.addresses[0]: address options (lifetime, label) are not supported',
      'network.ethernets.eth0.addresses[1]: 10.0.0.3 is not an address/prefix',
      'network.ethernets.eth0.addresses[2]: 10.0.0.4/ is not an address/prefix',
      "network.ethernets.eth0.routes[0].table: route setting 'table' is not supported",
      'network.ethernets.eth0.routes[1]: to 10.2.0.0/16 and via fd00::1 are not the same IP version',
      'network.ethernets.eth0.routes[2].metric: metric -1 is not a whole number ≥ 0',
      'network.ethernets.eth0.nameservers.addresses[0]: 1.1.1 is not an IP address',
      "network.ethernets.eth0.nameservers.search[0]: 'bad domain' is not a domain name",
      'network.ethernets.eth0.nameservers.options: nameservers.options is not supported',
      'network.ethernets.eth0.mtu: mtu 20 is not a whole number from 68 to 65535',
      'network.ethernets.eth0.optional: optional is not true or false',
    ]);
  });

  test('match problems: unknown keys, an empty match, set-name without match, a MAC read as a number', () => {
    expect(
      problems(
        '    a:\n      match: {name: "en*", pci: "0000:00:02.0"}\n      dhcp4: true\n' +
          '    b:\n      match: {}\n      dhcp4: true\n' +
          '    eth2:\n      set-name: lan2\n      dhcp4: true\n' +
          '    c:\n      match: {macaddress: 52:54:00:12:34:56}\n      dhcp4: true\n',
      ),
    ).toEqual([
      'network.ethernets.a.match.pci: match.pci is not supported',
      'network.ethernets.b.match: match is empty',
      'network.ethernets.eth2.set-name: set-name needs match (it renames the matched interface)',
      'network.ethernets.c.match.macaddress: the MAC address was read as a number (YAML 1.1 reads 12:34:56 as base 60)',
    ]);
  });
});

describe('networkd option injection (issue 11 item 11)', () => {
  const injected = 'eth0\n[Network]\nDNS=6.6.6.6';

  test('a key without match must be an interface name: a newline is an error', () => {
    expect(problems(`    ${JSON.stringify(injected)}:\n      dhcp4: true\n`)).toEqual([
      'network.ethernets.eth0\n[Network]\nDNS=6.6.6.6: "eth0\\n[Network]\\nDNS=6.6.6.6" is not an interface name pattern',
    ]);
    expect(problems('    "eth0 eth1":\n      dhcp4: true\n')).toHaveLength(1);
    expect(problems('    1234:\n      dhcp4: true\n')).toEqual([
      "network.ethernets.1234: interface name '1234' is all digits",
    ]);
    expect(problems('    averylonginterface0:\n      dhcp4: true\n')).toHaveLength(1);
  });

  test('an invalid match.name or set-name is an error, not a fallback to the key', () => {
    expect(
      problems(
        `    eth0:\n      match: {name: ${JSON.stringify(injected)}}\n      dhcp4: true\n` +
          `    eth1:\n      match: {name: "en*"}\n      set-name: ${JSON.stringify('lan0\nMTUBytes=1')}\n      dhcp4: true\n` +
          `    eth2:\n      match: {driver: "e1000 e1000e"}\n      dhcp4: true\n`,
      ),
    ).toEqual([
      'network.ethernets.eth0.match.name: "eth0\\n[Network]\\nDNS=6.6.6.6" is not an interface name pattern',
      'network.ethernets.eth1.set-name: "lan0\\nMTUBytes=1" is not an interface name',
      "network.ethernets.eth2.match.driver: 'e1000 e1000e' is not a driver name",
    ]);
  });

  test('with match, an odd ID only names the file, never the content', () => {
    const { e } = ethernets(
      `    ${JSON.stringify(injected)}:\n      match: {macaddress: "52:54:00:99:00:02"}\n      dhcp4: true\n`,
    );
    expect(networkFileName(e[0], 0)).toBe('10-armada-1-eth0__Network__DNS_6_6_6_6.network');
    expect(renderNetworkd(e[0])).not.toContain('6.6.6.6');
  });

  test('a value with a line break that got past the parser is a bug, never written', () => {
    const e: EthernetSettings = {
      ...ethernets('    eth0: {dhcp4: true}\n').e[0],
      addresses: ['10.0.0.2/24\nDNS=6.6.6.6'],
    };
    expect(() => renderNetworkd(e)).toThrow(InternalError);
    expect(() => renderLink({ ...e, setName: 'lan0\n[Match]' })).toThrow(InternalError);
  });
});
