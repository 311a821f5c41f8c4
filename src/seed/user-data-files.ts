/**
 * cloud-init `write_files` (decoded here, on the laptop) and `runcmd`. A wpa_supplicant.conf in
 * write_files becomes armada's Wi-Fi settings; files that have no effect on an armada image are
 * kept but reported.
 */
import { gunzipSync } from 'node:zlib';
import type { WifiSettings, WriteFile } from './types.js';
import { checkCountry, checkPassphrase, checkSsid, controlCharacter } from './validate.js';
import { parseWpaSupplicant } from './wpa-supplicant.js';
import { isRecord, show, type Path, type ProblemList } from './yaml-problems.js';
import { option } from '../option-names.js';

export interface FilesResult {
  writeFiles: WriteFile[];
  wifi?: Partial<WifiSettings>;
}

const noEffect: [RegExp, string, string][] = [
  [
    /^\/etc\/network\/interfaces(\.d\/.*)?$/,
    'ifupdown is not used on armada images',
    "Wi-Fi comes from WIFI_* settings; static addresses from 'network: ethernets:'",
  ],
  [
    /^\/etc\/dhcpcd\.conf$/,
    'dhcpcd is not used on armada images (systemd-networkd is)',
    "give static addresses under 'network: ethernets:' instead",
  ],
];

const wpaPath = /^\/etc\/wpa_supplicant\/wpa_supplicant(-[a-z0-9]+)?\.conf$/;

function decode(
  content: unknown,
  encoding: string,
  at: Path,
  p: ProblemList,
): Uint8Array | undefined {
  const bytes = content instanceof Uint8Array ? content : undefined;
  if (!bytes && typeof content === 'object' && content !== null) {
    p.error(
      [...at, 'content'],
      'content is not text',
      'write the content as a string (use | for several lines)',
    );
    return undefined;
  }
  const text = bytes ? undefined : typeof content === 'string' ? content : show(content);
  const b64 = (s: string | undefined): Buffer | undefined => {
    if (s === undefined) return undefined;
    const clean = s.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) {
      p.error(
        [...at, 'content'],
        'content is not valid base64',
        'encode it with base64 or remove encoding',
      );
      return undefined;
    }
    return Buffer.from(clean, 'base64');
  };
  const gunzip = (b: Uint8Array | undefined): Uint8Array | undefined => {
    if (!b) return undefined;
    try {
      return gunzipSync(b);
    } catch {
      p.error(
        [...at, 'content'],
        'content is not valid gzip data',
        'compress it with gzip, then base64 (encoding: gz+b64)',
      );
      return undefined;
    }
  };
  switch (encoding) {
    case 'text/plain':
      return bytes ?? Buffer.from(text ?? '', 'utf8');
    case 'b64':
    case 'base64':
      return bytes ?? b64(text);
    case 'gz':
    case 'gzip':
      return gunzip(bytes ?? Buffer.from(text ?? '', 'latin1'));
    case 'gz+b64':
    case 'gz+base64':
    case 'gzip+b64':
    case 'gzip+base64':
      return gunzip(bytes ?? b64(text));
    default:
      p.error(
        [...at, 'encoding'],
        `encoding '${encoding}' is not known`,
        'use b64, gzip, gz+b64 or leave it out',
      );
      return undefined;
  }
}

/** cloud-init permissions: an octal string ('0644') or the number YAML 1.1 made of 0644. */
function modeFrom(value: unknown, at: Path, p: ProblemList): number | undefined {
  let mode: number | undefined;
  if (value === undefined) mode = 0o644;
  else if (typeof value === 'number' && Number.isInteger(value)) mode = value;
  else if (typeof value === 'string' && /^(0o?)?[0-7]{1,4}$/.test(value.trim()))
    mode = parseInt(value.trim().replace(/^0o/, ''), 8);
  if (mode === undefined || mode < 0 || mode > 0o7777) {
    p.error(
      at,
      `permissions '${show(value)}' is not an octal mode`,
      "write it as a quoted octal string, e.g. '0644'",
    );
    return undefined;
  }
  return mode;
}

function ownerFrom(value: unknown, at: Path, p: ProblemList): string | undefined {
  if (value === undefined) return 'root:root';
  const name = '[a-z_][a-z0-9_-]*\\$?';
  if (typeof value === 'string' && new RegExp(`^${name}(:${name})?$`).test(value)) {
    return value.includes(':') ? value : `${value}:${value}`;
  }
  p.error(at, `owner '${show(value)}' is not user:group`, "write e.g. 'root:root' or 'pi:pi'");
  return undefined;
}

function parseFile(
  entry: Record<string, unknown>,
  at: Path,
  p: ProblemList,
  out: FilesResult,
): void {
  const path = entry.path;
  if (
    typeof path !== 'string' ||
    !path.startsWith('/') ||
    path.endsWith('/') ||
    path.split('/').includes('..') ||
    path.includes('\t') ||
    controlCharacter(path)
  ) {
    p.error(
      [...at, 'path'],
      `path '${show(path)}' is not an absolute file path`,
      "give the full path, e.g. '/etc/motd'",
    );
    return;
  }
  for (const key of Object.keys(entry)) {
    if (key === 'defer')
      p.warn(
        [...at, key],
        'defer is ignored: armada writes files near the end of first boot anyway',
        'remove defer',
      );
    else if (
      !['path', 'content', 'source', 'encoding', 'permissions', 'owner', 'append'].includes(key)
    )
      p.error([...at, key], `write_files setting '${key}' is not supported`, `remove ${key}`);
  }
  if (entry.source !== undefined) {
    p.error(
      [...at, 'source'],
      'source (download at boot) is not supported',
      'put the file under content',
    );
    return;
  }
  const encoding = typeof entry.encoding === 'string' ? entry.encoding.toLowerCase() : 'text/plain';
  const content = decode(entry.content ?? '', encoding, at, p);
  const mode = modeFrom(entry.permissions, [...at, 'permissions'], p);
  const owner = ownerFrom(entry.owner, [...at, 'owner'], p);
  const append = entry.append === undefined ? false : entry.append;
  if (typeof append !== 'boolean')
    p.error([...at, 'append'], 'append is not true or false', 'write true or false');
  if (!content || mode === undefined || !owner || typeof append !== 'boolean') return;

  if (wpaPath.test(path)) {
    const wpa = parseWpaSupplicant(Buffer.from(content).toString('utf8'));
    if (!wpa.ok)
      return p.error(
        at,
        `armada reads Wi-Fi from ${path}, but ${wpa.message}`,
        `give Wi-Fi with ${option('wifiSsid')}/${option('wifiPassword')} or a 'network: wifis:' section`,
      );
    if (out.wifi) return p.error(at, 'Wi-Fi is given twice', 'keep one Wi-Fi definition');
    const problem =
      checkSsid(wpa.ssid) ??
      (wpa.passphrase === undefined ? undefined : checkPassphrase(wpa.passphrase)) ??
      (wpa.country ? checkCountry(wpa.country) : undefined);
    if (
      !p.check(
        [...at, 'content'],
        problem && { message: `${path}: ${problem.message}`, fix: problem.fix },
      )
    )
      return;
    out.wifi = {
      ssid: wpa.ssid,
      ...(wpa.passphrase === undefined ? { open: true } : { passphrase: wpa.passphrase }),
      ...(wpa.country ? { country: wpa.country } : {}),
    };
    p.warn(
      at,
      `${path} is converted into armada's Wi-Fi settings (the passphrase is stored as a derived PSK), not copied`,
      'nothing to do',
    );
    return;
  }
  for (const [pattern, why, fix] of noEffect) {
    if (pattern.test(path)) p.warn([...at, 'path'], `${path} is written, but ${why}`, fix);
  }
  out.writeFiles.push({ path, content, mode, owner, append });
}

export function parseWriteFiles(value: unknown, p: ProblemList): FilesResult {
  const out: FilesResult = { writeFiles: [] };
  if (!Array.isArray(value)) {
    p.error(
      ['write_files'],
      'write_files is not a list',
      'write each file as "- path: ...\\n  content: ..."',
    );
    return out;
  }
  value.forEach((entry, i) => {
    if (isRecord(entry)) parseFile(entry, ['write_files', i], p, out);
    else
      p.error(
        ['write_files', i],
        'a file must be a mapping with path and content',
        'write - path: /etc/x',
      );
  });
  return out;
}

export function parseRuncmd(value: unknown, p: ProblemList): (string | string[])[] {
  if (!Array.isArray(value)) {
    p.error(['runcmd'], 'runcmd is not a list', "write each command as a list item: - 'echo hi'");
    return [];
  }
  const out: (string | string[])[] = [];
  value.forEach((item, i) => {
    const scalar = (v: unknown) =>
      typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
    if (scalar(item)) out.push(String(item));
    else if (Array.isArray(item) && item.length && item.every(scalar)) {
      const argv = item.map(String);
      if (argv.some((a) => a.includes('\0')))
        p.error(['runcmd', i], 'an argument contains NUL', 'remove it');
      else out.push(argv);
    } else
      p.error(
        ['runcmd', i],
        'a command is a string or a list of arguments',
        "write - 'cmd arg' or - [cmd, arg]",
      );
  });
  return out;
}
