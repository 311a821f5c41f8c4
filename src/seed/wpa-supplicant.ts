/**
 * Reads the Wi-Fi network out of a wpa_supplicant.conf, the way HypriotOS samples and older
 * Raspberry Pi Imager set-ups ship Wi-Fi in `write_files`. armada renders Wi-Fi itself on the
 * device from WIFI_* settings, so the file is converted instead of copied. A WPA-Personal network
 * or an open one (key_mgmt=NONE); hidden ones need nothing (first boot sets scan_ssid=1 anyway).
 */
export type WpaResult =
  | { ok: true; ssid: string; passphrase?: string; open?: true; country?: string }
  | { ok: false; message: string };

/** Unquote a wpa_supplicant value: "text", or bare (hex PSK, or hex-encoded SSID). */
function value(raw: string): { text: string; quoted: boolean } {
  const v = raw.trim();
  if (v.startsWith('"')) {
    const end = v.indexOf('"', 1);
    return { text: end > 0 ? v.slice(1, end) : v.slice(1), quoted: true };
  }
  return { text: v.split(/\s+#|\s/)[0] ?? '', quoted: false };
}

export function parseWpaSupplicant(text: string): WpaResult {
  let country: string | undefined;
  const networks: Record<string, { text: string; quoted: boolean }>[] = [];
  let current: Record<string, { text: string; quoted: boolean }> | undefined;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#')) continue;
    if (/^network\s*=\s*\{/.test(line)) {
      current = {};
      networks.push(current);
      continue;
    }
    if (line.startsWith('}')) {
      current = undefined;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    const v = value(line.slice(eq + 1));
    if (current) current[key] = v;
    else if (key === 'country') country = v.text.toUpperCase();
  }
  if (networks.length === 0) return { ok: false, message: 'it has no network={...} block' };
  if (networks.length > 1)
    return { ok: false, message: `it has ${networks.length} networks; armada seeds one` };
  const n = networks[0];
  const mgmt = n.key_mgmt?.text;
  const open = mgmt === 'NONE';
  if (mgmt && !open && !/^(WPA-PSK|SAE|WPA-PSK SAE|SAE WPA-PSK|WPA-PSK-SHA256)$/.test(mgmt))
    return {
      ok: false,
      message: `key_mgmt=${mgmt} is neither open (NONE) nor WPA-Personal (only those can be seeded)`,
    };
  if (!n.ssid) return { ok: false, message: 'the network has no ssid' };
  const ssid = n.ssid.quoted ? n.ssid.text : Buffer.from(n.ssid.text, 'hex').toString('utf8');
  const withCountry = country ? { country } : {};
  if (open) {
    // key_mgmt=NONE with WEP keys is WEP, which nothing should join any more.
    if (Object.keys(n).some((k) => /^wep_key\d$/.test(k)))
      return { ok: false, message: 'the network uses WEP, which cannot be seeded' };
    if (n.psk) return { ok: false, message: 'key_mgmt=NONE is an open network, but it has a psk' };
    return { ok: true, ssid, open: true, ...withCountry };
  }
  if (!n.psk)
    return {
      ok: false,
      message: 'the network has no psk (for an open network write key_mgmt=NONE)',
    };
  return { ok: true, ssid, passphrase: n.psk.text, ...withCountry };
}
