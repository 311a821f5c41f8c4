/**
 * One netplan v2 `ethernets:` entry, read the way cloud-init and netplan read it: with `match:`
 * the key is only an ID and the match conditions select the interface; without it the key is
 * the interface name. Every key is either used or reported: nothing is dropped silently.
 */
import { isIP } from 'node:net';
import type { EthernetMatch, EthernetSettings } from './types.js';
import {
  checkDriver,
  checkInterfaceGlob,
  checkInterfaceName,
  checkSearchDomain,
  isCidr,
} from './validate-network.js';
import { isRecord, show, type Path, type ProblemList } from './yaml-problems.js';

const mac = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i;

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

function ipList(value: unknown, at: Path, p: ProblemList, cidr: boolean): string[] {
  const ok: string[] = [];
  list(value).forEach((v, i) => {
    if (cidr ? isCidr(v) : typeof v === 'string' && isIP(v) !== 0) ok.push(v as string);
    else if (cidr && isRecord(v))
      p.error(
        [...at, i],
        'address options (lifetime, label) are not supported',
        "write the address alone, e.g. '192.168.1.31/24'",
      );
    else
      p.error(
        [...at, i],
        `${show(v)} is not ${cidr ? 'an address/prefix' : 'an IP address'}`,
        cidr ? "write e.g. '192.168.1.31/24'" : "write e.g. '192.168.1.1'",
      );
  });
  return ok;
}

function parseMatch(v: unknown, at: Path, p: ProblemList): EthernetMatch | undefined {
  if (!isRecord(v) || Object.keys(v).length === 0) {
    p.error(
      at,
      'match is empty',
      'write match: { macaddress: "52:54:00:12:34:56" } or { name: en* }',
    );
    return undefined;
  }
  const m: EthernetMatch = {};
  for (const [key, value] of Object.entries(v)) {
    const kat = [...at, key];
    if (key === 'name') {
      if (typeof value !== 'string') p.error(kat, 'match.name is not a string', 'write e.g. en*');
      else if (p.check(kat, checkInterfaceGlob(value))) m.name = value;
    } else if (key === 'macaddress') {
      if (typeof value === 'string' && mac.test(value)) m.macAddress = value.toLowerCase();
      else
        p.error(
          kat,
          typeof value === 'number'
            ? 'the MAC address was read as a number (YAML 1.1 reads 12:34:56 as base 60)'
            : `${show(value)} is not a MAC address`,
          'quote it, e.g. "52:54:00:12:34:56"',
        );
    } else if (key === 'driver') {
      const drivers = list(value);
      if (drivers.every((d) => typeof d === 'string' && p.check(kat, checkDriver(d))))
        m.drivers = drivers as string[];
      else if (!drivers.every((d) => typeof d === 'string'))
        p.error(kat, 'match.driver is not a driver name', 'write e.g. driver: r8152');
    } else p.error(kat, `match.${key} is not supported`, 'match on name, macaddress or driver');
  }
  return m;
}

type Route = EthernetSettings['routes'][number];

function parseRoute(r: unknown, at: Path, p: ProblemList): Route | undefined {
  const fix = 'write - { to: default, via: 192.168.1.1 } (metric is optional)';
  if (!isRecord(r)) {
    p.error(at, 'a route is not a mapping', fix);
    return undefined;
  }
  const before = p.problems.length;
  for (const k of Object.keys(r))
    if (!['to', 'via', 'metric'].includes(k))
      p.error([...at, k], `route setting '${k}' is not supported`, `remove ${k}`);
  const via = r.via;
  const family = typeof via === 'string' ? isIP(via) : 0;
  if (!family) p.error([...at, 'via'], `via ${show(via)} is not an IP address`, fix);
  const to = r.to === 'default' ? (family === 6 ? '::/0' : '0.0.0.0/0') : r.to;
  if (!isCidr(to)) p.error([...at, 'to'], `to ${show(r.to)} is not default or address/prefix`, fix);
  else if (family && isIP(to.split('/')[0]) !== family)
    p.error(at, `to ${to} and via ${show(via)} are not the same IP version`, fix);
  const metric = r.metric;
  const metricOk =
    typeof metric === 'number' && Number.isInteger(metric) && metric >= 0 && metric < 2 ** 32;
  if (metric !== undefined && !metricOk)
    p.error([...at, 'metric'], `metric ${show(metric)} is not a whole number ≥ 0`, fix);
  if (p.problems.length !== before) return undefined;
  return { to: to as string, via: via as string, ...(metricOk ? { metric } : {}) };
}

function parseNameservers(v: unknown, at: Path, p: ProblemList, e: EthernetSettings): void {
  if (!isRecord(v)) {
    p.error(at, 'nameservers is not a mapping', 'write nameservers: { addresses: [...] }');
    return;
  }
  for (const [key, value] of Object.entries(v)) {
    const kat = [...at, key];
    if (key === 'addresses') e.nameservers = ipList(value, kat, p, false);
    else if (key === 'search')
      list(value).forEach((d, i) => {
        if (typeof d !== 'string')
          p.error([...kat, i], `${show(d)} is not a domain name`, 'write e.g. home.lan');
        else if (p.check([...kat, i], checkSearchDomain(d))) e.searchDomains.push(d);
      });
    else p.error(kat, `nameservers.${key} is not supported`, 'give addresses and search');
  }
}

export function parseEthernet(
  id: string,
  iface: unknown,
  at: Path,
  p: ProblemList,
): EthernetSettings | undefined {
  if (!isRecord(iface)) {
    p.error(at, 'the interface is not a mapping', 'add dhcp4 or addresses');
    return undefined;
  }
  const e: EthernetSettings = {
    id,
    match: {},
    dhcp4: false,
    dhcp6: false,
    addresses: [],
    routes: [],
    nameservers: [],
    searchDomains: [],
    optional: false,
  };
  if (iface.match === undefined) {
    // Without match: the key is the interface name, and goes into networkd's Name= as is.
    if (p.check(at, checkInterfaceGlob(id))) e.match = { name: id };
  }
  for (const [key, v] of Object.entries(iface)) {
    const kat = [...at, key];
    switch (key) {
      case 'match':
        e.match = parseMatch(v, kat, p) ?? {};
        break;
      case 'set-name':
        if (iface.match === undefined)
          p.error(
            kat,
            'set-name needs match (it renames the matched interface)',
            'add match: { macaddress: ... }',
          );
        else if (typeof v !== 'string')
          p.error(kat, 'set-name is not a name', 'write e.g. set-name: lan0');
        else if (p.check(kat, checkInterfaceName(v))) e.setName = v;
        break;
      case 'dhcp4':
      case 'dhcp6':
      case 'optional':
        if (typeof v === 'boolean') e[key] = v;
        else p.error(kat, `${key} is not true or false`, 'write true or false');
        break;
      case 'addresses':
        e.addresses = ipList(v, kat, p, true);
        break;
      case 'gateway4':
      case 'gateway6': {
        const family = key === 'gateway4' ? 4 : 6;
        if (typeof v === 'string' && isIP(v) === family) {
          e[key] = v;
          // cloud-init's own words (22.4); netplan warns alike.
          p.warn(
            kat,
            'the use of gateway4 and gateway6 is deprecated in cloud-init 22.4 and scheduled to be removed in 27.4',
            `write routes: [{ to: default, via: ${v} }]`,
          );
        } else p.error(kat, `${key} is not an IPv${family} address`, "write e.g. '192.168.1.1'");
        break;
      }
      case 'routes':
        list(v).forEach((r, i) => {
          const route = parseRoute(r, [...kat, i], p);
          if (route) e.routes.push(route);
        });
        break;
      case 'nameservers':
        parseNameservers(v, kat, p, e);
        break;
      case 'mtu':
        if (typeof v === 'number' && Number.isInteger(v) && v >= 68 && v <= 65535) e.mtu = v;
        else
          p.error(
            kat,
            `mtu ${show(v)} is not a whole number from 68 to 65535`,
            'write e.g. mtu: 1500',
          );
        break;
      case 'renderer':
        p.warn(kat, 'renderer is ignored (armada uses systemd-networkd)', 'remove renderer');
        break;
      default:
        p.error(kat, `ethernet setting '${key}' is not supported`, `remove ${key}`);
    }
  }
  if (!e.dhcp4 && !e.dhcp6 && e.addresses.length === 0)
    p.warn(
      at,
      `${id} has neither DHCP nor addresses; it stays unconfigured`,
      'add dhcp4: true or addresses',
    );
  return e;
}
