/**
 * Netplan v2 network config (cloud-init `network-config`, or the same under `network:` or at the
 * top level of user-data): one Wi-Fi access point becomes WIFI_*, ethernets become
 * systemd-networkd files (user-data-ethernet.ts).
 */
import type { EthernetSettings, WifiSettings } from './types.js';
import { parseEthernet } from './user-data-ethernet.js';
import { checkCountry, checkPassphrase, checkSsid } from './validate.js';
import { isRecord, show, type Path, type ProblemList } from './yaml-problems.js';

export interface NetworkResult {
  wifi?: Partial<WifiSettings>;
  ethernets: EthernetSettings[];
}

const harmlessIfaceKeys = new Set(['optional', 'renderer', 'dhcp4-overrides', 'dhcp6-overrides']);

const apKeys = new Set(['password', 'auth', 'hidden', 'mode']);
const authKeys = new Set(['key-management', 'password']);

/**
 * One access point, as netplan reads it: a password (at the top or under auth) means
 * WPA-Personal; none, or `key-management: none`, an open network. `hidden: true` needs nothing
 * more: first boot always lets wpa_supplicant probe for the SSID (scan_ssid=1).
 */
function parseAccessPoint(
  ap: unknown,
  at: Path,
  p: ProblemList,
  wifi: Partial<WifiSettings>,
): void {
  // `"Cafe":` with nothing after it is YAML null: netplan's open access point, like `{}`.
  if (ap !== null && ap !== undefined && !isRecord(ap))
    return p.error(
      at,
      'the access point is not a mapping',
      'write "SSID": { password: <passphrase> }, or "SSID": {} for an open network',
    );
  const point = isRecord(ap) ? ap : {};
  for (const k of Object.keys(point))
    if (!apKeys.has(k))
      p.error([...at, k], `access point setting '${k}' is not supported`, `remove ${k}`);
  if (Object.hasOwn(point, 'hidden') && typeof point.hidden !== 'boolean')
    p.error([...at, 'hidden'], 'hidden is not true or false', 'write hidden: true');
  if (Object.hasOwn(point, 'mode') && point.mode !== 'infrastructure')
    p.error(
      [...at, 'mode'],
      `mode ${show(point.mode)} is not supported`,
      'armada joins access points: remove mode, or write mode: infrastructure',
    );
  const auth = point.auth;
  if (auth !== undefined && !isRecord(auth))
    return p.error(
      [...at, 'auth'],
      'auth is not a mapping',
      'write auth: { key-management: psk, password: ... }',
    );
  for (const k of Object.keys(auth ?? {}))
    if (!authKeys.has(k))
      p.error(
        [...at, 'auth', k],
        `auth setting '${k}' is not supported`,
        'only open and WPA-Personal (psk) networks can be seeded',
      );
  const mgmt =
    auth && Object.hasOwn(auth, 'key-management') ? show(auth['key-management']) : undefined;
  const password = Object.hasOwn(point, 'password')
    ? point.password
    : auth && Object.hasOwn(auth, 'password')
      ? auth.password
      : undefined;
  if (mgmt !== undefined && !['psk', 'sae', 'none'].includes(mgmt))
    return p.error(
      [...at, 'auth', 'key-management'],
      `key-management ${mgmt} is not supported`,
      'only open (none) and WPA-Personal (psk) networks can be seeded',
    );
  if (password === undefined || password === null) {
    if (mgmt === 'psk' || mgmt === 'sae')
      return p.error(at, `key-management ${mgmt} needs a password`, 'add password: <passphrase>');
    wifi.open = true;
    return;
  }
  if (mgmt === 'none')
    return p.error(
      at,
      'key-management none is an open network, but a password is given',
      'remove the password, or write key-management: psk',
    );
  if (typeof password !== 'string' && typeof password !== 'number')
    return p.error(at, 'the password is not text', 'quote it: password: "..."');
  if (p.check(at, checkPassphrase(String(password)))) wifi.passphrase = String(password);
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
      parseAccessPoint(ap, apAt, p, wifi);
    } else if (key === 'dhcp4' || key === 'dhcp6') {
      if (v === false)
        p.error(kat, 'Wi-Fi without DHCP is not supported', 'remove it (Wi-Fi uses DHCP)');
    } else if (!harmlessIfaceKeys.has(key))
      p.error(kat, `Wi-Fi setting '${key}' is not supported`, `remove ${key}`);
    else p.warn(kat, `${key} is ignored`, `remove ${key}`);
  }
  out.wifi = wifi;
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
