/**
 * systemd-networkd `.network` and udev `.link` files for netplan ethernets, as netplan writes
 * them: the match conditions go to [Match] (every one must hold), set-name becomes a `.link`
 * file whose [Link] Name= renames the interface, and the `.network` file then matches the new
 * name. Pure; the exact text is unit-tested.
 */
import { InternalError } from '../errors.js';
import type { EthernetSettings } from './types.js';

function safeName(id: string): string {
  return id.replace(/\*/g, 'any').replace(/[^A-Za-z0-9_-]/g, '_');
}

function baseName(e: EthernetSettings, index: number): string {
  return `10-armada-${index + 1}-${safeName(e.id)}`;
}

export function networkFileName(e: EthernetSettings, index: number): string {
  return `${baseName(e, index)}.network`;
}

/** Only for an ethernet with set-name. */
export function linkFileName(e: EthernetSettings, index: number): string {
  return `${baseName(e, index)}.link`;
}

/**
 * The parser rejects every value that could break a line; a value that still does is a bug,
 * and must not become a second option or section in a file networkd or udev reads.
 */
function unitText(lines: string[]): string {
  for (const line of lines)
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(line))
      throw new InternalError(`a networkd line has a control character: ${JSON.stringify(line)}`);
  return lines.join('\n') + '\n';
}

/** One systemd-networkd .network unit for a netplan ethernet. */
export function renderNetworkd(e: EthernetSettings): string {
  const m = e.match;
  const dhcp = e.dhcp4 && e.dhcp6 ? 'yes' : e.dhcp4 ? 'ipv4' : e.dhcp6 ? 'ipv6' : 'no';
  const lines = ['# Made by armada from cloud-init network config.', '[Match]'];
  const name = e.setName ?? m.name;
  if (name) lines.push(`Name=${name}`);
  if (m.macAddress) lines.push(`MACAddress=${m.macAddress}`);
  if (m.drivers) lines.push(`Driver=${m.drivers.join(' ')}`);
  if (lines.length === 2) throw new InternalError(`ethernet ${e.id} has no match condition`);
  if (e.mtu !== undefined || e.optional) {
    lines.push('', '[Link]');
    if (e.mtu !== undefined) lines.push(`MTUBytes=${e.mtu}`);
    if (e.optional) lines.push('RequiredForOnline=no');
  }
  lines.push('', '[Network]', `DHCP=${dhcp}`);
  for (const a of e.addresses) lines.push(`Address=${a}`);
  if (e.gateway4) lines.push(`Gateway=${e.gateway4}`);
  if (e.gateway6) lines.push(`Gateway=${e.gateway6}`);
  for (const d of e.nameservers) lines.push(`DNS=${d}`);
  if (e.searchDomains.length) lines.push(`Domains=${e.searchDomains.join(' ')}`);
  for (const r of e.routes) {
    lines.push('', '[Route]', `Destination=${r.to}`, `Gateway=${r.via}`);
    if (r.metric !== undefined) lines.push(`Metric=${r.metric}`);
  }
  return unitText(lines);
}

/**
 * The udev .link file that gives the matched interface its set-name. udev applies .link files
 * when a device is added; first boot installs it and re-adds the network devices (see
 * apply_network in firstboot-seed.sh.hbs). In a .link file the kernel's name is OriginalName=.
 */
export function renderLink(e: EthernetSettings): string | undefined {
  if (!e.setName) return undefined;
  const m = e.match;
  const lines = ['# Made by armada from cloud-init network config (set-name).', '[Match]'];
  if (m.name) lines.push(`OriginalName=${m.name}`);
  if (m.macAddress) lines.push(`MACAddress=${m.macAddress}`);
  if (m.drivers) lines.push(`Driver=${m.drivers.join(' ')}`);
  // An empty [Match] would rename every interface.
  if (lines.length === 2) throw new InternalError(`set-name of ${e.id} has no match condition`);
  lines.push('', '[Link]', `Name=${e.setName}`);
  return unitText(lines);
}
