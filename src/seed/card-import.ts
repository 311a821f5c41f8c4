/**
 * What `armada configure <card>` does with the files Raspberry Pi Imager and Raspberry Pi OS
 * put at the root of the boot partition (the contract: docs/seed.md, "Other tools' files").
 * Pure: the caller lists the FAT and reads the files.
 *
 * Imager 2's cloud-init NoCloud files (user-data, network-config) become the seed when the user
 * gives no --user-data, with the flags laid over them as over --user-data. Once the new seed is
 * on the card they are removed with meta-data: armada/ holds the same settings, and first boot
 * takes its secrets off the card, which it would never do for Imager's files.
 */
import { option } from '../option-names.js';
import type { Problem } from './types.js';
import { parseNetworkConfig } from './network-config.js';
import { parseUserData, type UserDataOptions, type UserDataSettings } from './user-data.js';

/** cloud-init NoCloud files, as Raspberry Pi Imager 2 writes them. */
export const cloudInitFiles = ['user-data', 'network-config', 'meta-data'] as const;

/**
 * Raspberry Pi OS's own boot-partition files: armada's first boot applies ssh, userconf.txt and
 * wpa_supplicant.conf to a card without an armada seed; firstrun.sh is an older Imager's script.
 */
export const rpiOsFiles = [
  'ssh',
  'ssh.txt',
  'userconf.txt',
  'userconf',
  'wpa_supplicant.conf',
  'firstrun.sh',
] as const;

export interface ImportPlan {
  /** Names as found on the FAT (its names are case-insensitive), to read and use as the seed. */
  userData?: string;
  networkConfig?: string;
  /** Removed from the FAT once the new seed is written and checked. */
  remove: string[];
  /** cmdline.txt loses firstrun.sh's systemd.run= parameters (cmdlineWithoutFirstrun). */
  cmdline?: boolean;
  /** One line each: what configure did with the files (info) and what it left (warn). */
  info?: string;
  warn?: string;
}

/** Root-level names of a `listFat` listing ('/user-data' -> 'user-data'). */
export function rootNames(listing: readonly string[]): string[] {
  return listing.map((p) => p.replace(/^\/+/, '')).filter((p) => p && !p.includes('/'));
}

function find(names: readonly string[], wanted: string): string | undefined {
  return names.find((n) => n.toLowerCase() === wanted);
}

const list = (names: readonly string[]) =>
  names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : names[0];

export function planImport(names: readonly string[], ownUserData: boolean): ImportPlan {
  const userData = find(names, 'user-data');
  const networkConfig = find(names, 'network-config');
  const cloud = cloudInitFiles.map((n) => find(names, n)).filter((n) => n !== undefined);
  const rpiOs = rpiOsFiles.map((n) => find(names, n)).filter((n) => n !== undefined);
  const plan: ImportPlan = { remove: [] };
  const left: string[] = [];
  if (userData ?? networkConfig) {
    if (ownUserData) {
      left.push(
        `the card's Raspberry Pi Imager files (${list(cloud)}) are not imported: ${option('userData')} replaces them; they stay on the boot partition`,
      );
    } else {
      if (userData) plan.userData = userData;
      if (networkConfig) plan.networkConfig = networkConfig;
      plan.remove = cloud;
      const read = [userData, networkConfig].filter((n) => n !== undefined);
      plan.info = `imported the card's Raspberry Pi Imager settings (${list(read)}) into armada/, flags given here taking precedence; removed ${list(cloud)} from the boot partition`;
    }
  }
  const plain = rpiOs.filter((n) => n.toLowerCase() !== 'firstrun.sh');
  if (plain.length)
    left.push(
      `${list(plain)} on the boot partition ${plain.length > 1 ? 'are' : 'is'} not applied: armada's first boot reads Raspberry Pi OS's files only on a card without an armada seed`,
    );
  const firstrun = find(names, 'firstrun.sh');
  if (firstrun) {
    // Its systemd.run= boots the card into kernel-command-line.target only: armada's first boot
    // would never run. It also holds the password hash and Wi-Fi key in the clear.
    plan.remove.push(firstrun);
    plan.cmdline = true;
    left.push(
      `removed ${firstrun} (an older Raspberry Pi Imager's script, which armada does not run) and its systemd.run= from cmdline.txt; give its settings as flags`,
    );
  }
  if (left.length) plan.warn = left.join('; ');
  return plan;
}

/** Kernel parameters of Imager 1.x's firstrun.sh: run one script at boot instead of the system. */
const firstrunParams =
  /^(systemd\.run|systemd\.run_success_action|systemd\.run_failure_action)=|^systemd\.unit=kernel-command-line\.target$/;

/**
 * Pure: cmdline.txt without firstrun.sh's parameters, still one line; undefined when it has none.
 * Tokens are kept as written (quotes included).
 */
export function cmdlineWithoutFirstrun(cmdline: string): string | undefined {
  const tokens = cmdline.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];
  const kept = tokens.filter((t) => !firstrunParams.test(t.replace(/"/g, '')));
  if (kept.length === tokens.length) return undefined;
  return `${kept.join(' ')}\n`;
}

/** The card's NoCloud files, read; `label` names each in messages (e.g. `/dev/sdb:user-data`). */
export interface ImportedFiles {
  userData?: { text: string; label: string };
  networkConfig?: { text: string; label: string };
}

export interface ImportedUserData {
  /** What takes --user-data's place; undefined when a file had errors. */
  userData?: { settings: UserDataSettings };
  found: { problem: Problem; file: string }[];
}

/**
 * Pure: Imager's user-data and network-config as one user-data. network-config's Wi-Fi and
 * Ethernet settings join the user-data's; a part given in both is an error (which is meant is
 * not clear), as in one file.
 */
export function parseImported(files: ImportedFiles, opts: UserDataOptions = {}): ImportedUserData {
  const found: ImportedUserData['found'] = [];
  const empty: UserDataSettings = {
    user: { sshKeys: [], groups: [] },
    ethernets: [],
    writeFiles: [],
    runcmd: [],
  };
  let settings: UserDataSettings | undefined = empty;
  const ud = files.userData;
  if (ud) {
    const r = parseUserData(ud.text, opts);
    for (const problem of r.ok ? r.warnings : r.problems) found.push({ problem, file: ud.label });
    settings = r.ok ? r.settings : undefined;
  }
  const nc = files.networkConfig;
  if (nc) {
    const r = parseNetworkConfig(nc.text);
    for (const problem of r.ok ? r.warnings : r.problems) found.push({ problem, file: nc.label });
    if (!r.ok) settings = undefined;
    else if (settings) {
      const clash = (part: string) =>
        found.push({
          file: nc.label,
          problem: {
            severity: 'error',
            path: part,
            message: `${part} is given in both user-data and network-config`,
            fix: `keep it in network-config only`,
          },
        });
      if (r.network.wifi && settings.wifi) clash('wifis');
      if (r.network.ethernets.length && settings.ethernets.length) clash('ethernets');
      settings = {
        ...settings,
        ...(r.network.wifi ? { wifi: r.network.wifi } : {}),
        ethernets: [...settings.ethernets, ...r.network.ethernets],
      };
    }
  }
  if (!settings || found.some((f) => f.problem.severity === 'error')) return { found };
  return { userData: { settings }, found };
}
