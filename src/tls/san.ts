/**
 * An extra name for a server certificate (`--san`): an IP address, or a DNS name for exactly one
 * host. Pure. A wildcard would make one card's key good for every host under a domain, and a
 * string that looks like an IPv4 address but is not one (`192.168.1.300`) must not slip in as a
 * DNS name that no client will ever match.
 */
import { isIP } from 'node:net';
import { option } from '../option-names.js';

export type SanEntry = { type: 'ip' | 'dns'; value: string };

export interface SanProblem {
  message: string;
  fix: string;
}

const label = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Why `value` cannot be a SAN, or undefined when it can. */
export function sanProblem(value: string): SanProblem | undefined {
  if (isIP(value)) return undefined;
  const fix = 'give a DNS name or an IP address';
  if (value.includes('*'))
    return {
      message: `'${value}' is a wildcard, which would make one card's key good for every host it matches`,
      fix: `name each host: one name or address per ${option('san')}`,
    };
  if (value.includes(':')) return { message: `'${value}' is not an IPv6 address`, fix };
  const labels = value.split('.');
  if (labels.every((l) => /^\d+$/.test(l)))
    return {
      message:
        labels.length === 4
          ? `'${value}' is not an IPv4 address (four numbers from 0 to 255)`
          : `'${value}' is all digits: neither an IP address nor a DNS name`,
      fix,
    };
  if (/^\d+$/.test(labels.at(-1) ?? ''))
    return { message: `'${value}' is not a DNS name: its last label is all digits`, fix };
  if (value.length > 253 || !labels.every((l) => label.test(l)))
    return {
      message: `'${value}' is not a DNS name (letters, digits and '-' in dot-separated labels of at most 63 characters)`,
      fix,
    };
  return undefined;
}

export function sanEntry(value: string): SanEntry {
  return { type: isIP(value) ? 'ip' : 'dns', value };
}
