/**
 * Netplan v2 network config (cloud-init `network-config`, or the same under `network:` or at the
 * top level of user-data): one Wi-Fi access point becomes WIFI_*, ethernets become
 * systemd-networkd files.
 */
import { isIP } from 'node:net';
import type { EthernetSettings, WifiSettings } from './types.js';
import { checkCountry, checkPassphrase, checkSsid } from './validate.js';
import { isRecord, show, type Path, type ProblemList } from './yaml-problems.js';

export interface NetworkResult {
  wifi?: Partial<WifiSettings>;
  ethernets: EthernetSettings[];
}

const harmlessIfaceKeys = new Set(['optional', 'renderer', 'dhcp4-overrides', 'dhcp6-overrides']);

function isCidr(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const [addr, len, ...rest] = value.split('/');
  const kind = isIP(addr ?? '');
  const n = Number(len);
  return (
    rest.length === 0 && kind !== 0 && Number.isInteger(n) && n >= 0 && n <= (kind === 4 ? 32 : 128)
  );
}

function ipList(value: unknown, at: Path, p: ProblemList, cidr: boolean): string[] {
  const list = Array.isArray(value) ? value : [value];
  const ok = list.filter((v) =>
    cidr ? isCidr(v) : typeof v === 'string' && isIP(v) !== 0,
  ) as string[];
  if (ok.length !== list.length)
    p.error(
      at,
      `not ${cidr ? 'address/prefix values' : 'IP addresses'}: ${list.filter((v) => !ok.includes(v as string)).join(', ')}`,
      cidr ? "write e.g. '192.168.1.31/24'" : "write e.g. '192.168.1.1'",
    );
  return ok;
}

function parseWifis(value: unknown, p: ProblemList, base: Path, out: NetworkResult): void {
  if (!isRecord(value))
    return p.error(
      base,
      'wifis is not a mapping',
      'write wifis: { wlan0: { access-points: ... } }',
    );
  const ifaces = Object.entries(value).filter(([k]) => k !== 'renderer');
  if (Object.hasOwn(value, 'renderer'))
    p.warn(
      [...base, 'renderer'],
      'renderer is ignored (armada uses systemd-networkd)',
      'remove it',
    );
  if (ifaces.length > 1) p.error(base, 'armada seeds one Wi-Fi interface', 'keep wlan0 only');
  const [name, iface] = ifaces[0] ?? [];
  if (!name) return;
  const at = [...base, name];
  if (name !== 'wlan0') p.warn(at, `armada configures wlan0, not ${name}`, 'rename it to wlan0');
  if (!isRecord(iface)) return p.error(at, 'the interface is not a mapping', 'add access-points');
  const wifi: Partial<WifiSettings> = {};
  for (const [key, v] of Object.entries(iface)) {
    const kat = [...at, key];
    if (key === 'regulatory-domain') {
      if (typeof v === 'string') {
        if (p.check(kat, checkCountry(v))) wifi.country = v.toUpperCase();
      } else
        p.error(
          kat,
          v === false
            ? "'NO' was read as false (YAML 1.1)"
            : 'regulatory-domain is not a country code',
          'quote it, e.g. "NO"',
        );
    } else if (key === 'access-points') {
      if (!isRecord(v) || Object.keys(v).length === 0) {
        p.error(kat, 'access-points is empty', 'add "SSID": { password: ... }');
        continue;
      }
      const aps = Object.entries(v);
      if (aps.length > 1) p.error(kat, 'armada seeds one Wi-Fi network', 'keep one access point');
      const [ssid, ap] = aps[0];
      const apAt = [...kat, ssid];
      if (p.check(apAt, checkSsid(ssid))) wifi.ssid = ssid;
      const auth = isRecord(ap) && isRecord(ap.auth) ? ap.auth : undefined;
      const password = isRecord(ap) ? (ap.password ?? auth?.password) : undefined;
      if (
        auth &&
        auth['key-management'] !== undefined &&
        !['psk', 'sae'].includes(show(auth['key-management']))
      )
        p.error(
          [...apAt, 'auth'],
          `key-management ${show(auth['key-management'])} is not supported`,
          'only WPA-Personal (psk) networks can be seeded',
        );
      if (isRecord(ap) && ap.hidden === true)
        p.error(
          [...apAt, 'hidden'],
          'hidden networks are not supported yet',
          'make the SSID visible, or remove hidden to try without',
        );
      if (isRecord(ap))
        for (const k of Object.keys(ap))
          if (!['password', 'auth', 'hidden', 'mode'].includes(k))
            p.error([...apAt, k], `access point setting '${k}' is not supported`, `remove ${k}`);
      if (typeof password === 'string' || typeof password === 'number') {
        if (p.check(apAt, checkPassphrase(String(password)))) wifi.passphrase = String(password);
      } else
        p.error(
          apAt,
          'the network has no password (open networks cannot be seeded)',
          'add password: <passphrase>',
        );
    } else if (key === 'dhcp4' || key === 'dhcp6') {
      if (v === false)
        p.error(kat, 'Wi-Fi without DHCP is not supported', 'remove it (Wi-Fi uses DHCP)');
    } else if (!harmlessIfaceKeys.has(key))
      p.error(kat, `Wi-Fi setting '${key}' is not supported`, `remove ${key}`);
    else p.warn(kat, `${key} is ignored`, `remove ${key}`);
  }
  out.wifi = wifi;
}

function parseEthernet(
  name: string,
  iface: unknown,
  at: Path,
  p: ProblemList,
): EthernetSettings | undefined {
  if (!isRecord(iface)) {
    p.error(at, 'the interface is not a mapping', 'add dhcp4 or addresses');
    return undefined;
  }
  const e: EthernetSettings = {
    match: name,
    dhcp4: false,
    dhcp6: false,
    addresses: [],
    routes: [],
    nameservers: [],
    searchDomains: [],
  };
  for (const [key, v] of Object.entries(iface)) {
    const kat = [...at, key];
    switch (key) {
      case 'match':
        if (isRecord(v) && typeof v.name === 'string' && /^[A-Za-z0-9*?_.-]+$/.test(v.name))
          e.match = v.name;
        if (
          isRecord(v) &&
          typeof v.macaddress === 'string' &&
          /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(v.macaddress)
        )
          e.macAddress = v.macaddress.toLowerCase();
        if (
          !isRecord(v) ||
          (v.name === undefined && v.macaddress === undefined) ||
          Object.keys(v).some((k) => !['name', 'macaddress'].includes(k))
        )
          p.error(kat, 'match supports name and macaddress', 'write match: { name: "en*" }');
        break;
      case 'dhcp4':
      case 'dhcp6':
        if (typeof v === 'boolean') e[key] = v;
        else p.error(kat, `${key} is not true or false`, 'write true or false');
        break;
      case 'addresses':
        e.addresses = ipList(v, kat, p, true);
        break;
      case 'gateway4':
      case 'gateway6':
        if (typeof v === 'string' && isIP(v) === (key === 'gateway4' ? 4 : 6)) e[key] = v;
        else
          p.error(
            kat,
            `${key} is not an IPv${key === 'gateway4' ? 4 : 6} address`,
            "write e.g. '192.168.1.1'",
          );
        break;
      case 'routes':
        (Array.isArray(v) ? v : [v]).forEach((r, i) => {
          const to = isRecord(r) ? (r.to === 'default' ? '0.0.0.0/0' : r.to) : undefined;
          const via = isRecord(r) ? r.via : undefined;
          const metric = isRecord(r) && typeof r.metric === 'number' ? r.metric : undefined;
          if (isCidr(to) && typeof via === 'string' && isIP(via))
            e.routes.push({ to, via, ...(metric !== undefined ? { metric } : {}) });
          else
            p.error(
              [...kat, i],
              'a route needs to (address/prefix or default) and via (an address)',
              'write - { to: default, via: 192.168.1.1 }',
            );
        });
        break;
      case 'nameservers':
        if (!isRecord(v))
          p.error(kat, 'nameservers is not a mapping', 'write nameservers: { addresses: [...] }');
        else {
          if (v.addresses !== undefined)
            e.nameservers = ipList(v.addresses, [...kat, 'addresses'], p, false);
          if (v.search !== undefined)
            e.searchDomains = (Array.isArray(v.search) ? v.search : [v.search])
              .map(String)
              .filter((s) => /^[A-Za-z0-9.-]+$/.test(s));
        }
        break;
      case 'optional':
      case 'renderer':
        p.warn(kat, `${key} is ignored`, `remove ${key}`);
        break;
      default:
        p.error(kat, `ethernet setting '${key}' is not supported`, `remove ${key}`);
    }
  }
  if (!e.dhcp4 && !e.dhcp6 && e.addresses.length === 0)
    p.warn(
      at,
      `${name} has neither DHCP nor addresses; it stays unconfigured`,
      'add dhcp4: true or addresses',
    );
  return e;
}

/** `network:` (version 2) plus top-level `wifis:` / `ethernets:`. */
export function parseNetwork(doc: Record<string, unknown>, p: ProblemList): NetworkResult {
  const out: NetworkResult = { ethernets: [] };
  const sections: { base: Path; value: Record<string, unknown> }[] = [];
  if (doc.network !== undefined) {
    const n = doc.network;
    if (!isRecord(n))
      p.error(['network'], 'network is not a mapping', 'write network: { version: 2, ... }');
    else if (n.config === 'disabled')
      p.warn(['network', 'config'], 'network config: disabled is ignored', 'remove it');
    else if (n.version !== 2)
      p.error(
        ['network', 'version'],
        'only netplan version 2 network config is understood',
        'write version: 2 with ethernets/wifis',
      );
    else {
      for (const k of Object.keys(n))
        if (!['version', 'wifis', 'ethernets', 'renderer'].includes(k))
          p.error(['network', k], `network.${k} is not supported`, `remove ${k}`);
      sections.push({ base: ['network'], value: n });
    }
  }
  sections.push({ base: [], value: doc });
  for (const { base, value } of sections) {
    if (value.wifis !== undefined) {
      if (out.wifi) p.error([...base, 'wifis'], 'Wi-Fi is given twice', 'keep one wifis section');
      else parseWifis(value.wifis, p, [...base, 'wifis'], out);
    }
    if (value.ethernets !== undefined) {
      if (!isRecord(value.ethernets))
        p.error(
          [...base, 'ethernets'],
          'ethernets is not a mapping',
          'write ethernets: { eth0: { dhcp4: true } }',
        );
      else
        for (const [name, iface] of Object.entries(value.ethernets)) {
          const e = parseEthernet(name, iface, [...base, 'ethernets', name], p);
          if (e) out.ethernets.push(e);
        }
    }
  }
  return out;
}
