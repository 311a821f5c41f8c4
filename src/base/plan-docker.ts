/**
 * Docker and what armada's first boot uses, installed into a base's root filesystem by the
 * base's own apt and dpkg (qemu-user for a foreign architecture) in armada's sandbox
 * (plan-sandbox.ts): from the base's own package sources when
 * they answer, else from Debian's archive for the base's release (the build host's mirror), or
 * offline from a directory of .debs. Pure: the install-docker step runs these commands.
 */
import type { Command } from '../exec.js';
import { suiteInfo } from '../apt/suites.js';
import { sandboxCommand } from './plan-sandbox.js';

/** What armada-firstboot calls besides Docker (TLS, mDNS, growing the root, firewalling). */
const firstBootTools = [
  'openssl',
  'avahi-daemon',
  'libnss-mdns',
  'fdisk',
  'e2fsprogs',
  'iptables',
  'apparmor',
  'ca-certificates',
];

export function dockerPackages(codename: string): string[] | undefined {
  const docker = suiteInfo(codename)?.docker;
  return docker ? [...docker, ...firstBootTools] : undefined;
}

/** Where a chroot's apt state is pointed for the Debian archive (its own sources left alone). */
export const debianSourcesFile = '/etc/apt/armada-debian.list';
/** Where --packages-from's .debs are put inside the root for apt to install. */
export const localDebsDir = '/var/cache/armada-debs';

const env = [
  'DEBIAN_FRONTEND=noninteractive',
  'LC_ALL=C.UTF-8',
  'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
];
const aptQuiet = ['-q', '-o', 'Acquire::Retries=3', '-o', 'Dpkg::Use-Pty=0'];

export type AptSourceChoice = 'base' | 'debian' | 'local';

/** Offline (.debs given), the sandbox has no network at all. */
function inSandbox(root: string, choice: AptSourceChoice, args: string[]): Command {
  return sandboxCommand(root, [...env, ...args], { network: choice !== 'local' });
}

function sourceOptions(choice: AptSourceChoice): string[] {
  if (choice === 'debian')
    return ['-o', `Dir::Etc::SourceList=${debianSourcesFile}`, '-o', 'Dir::Etc::SourceParts=-'];
  // Offline: no source at all, so apt resolves only against what is installed and the files given.
  if (choice === 'local')
    return ['-o', 'Dir::Etc::SourceList=/dev/null', '-o', 'Dir::Etc::SourceParts=-'];
  return [];
}

export function aptUpdateCommand(root: string, choice: 'base' | 'debian'): Command {
  return inSandbox(root, choice, ['apt-get', ...aptQuiet, ...sourceOptions(choice), 'update']);
}

export function aptInstallCommand(
  root: string,
  choice: AptSourceChoice,
  packages: readonly string[],
): Command {
  return inSandbox(root, choice, [
    'apt-get',
    ...aptQuiet,
    ...sourceOptions(choice),
    // A conffile the base changed stays as the base has it; no question is asked.
    '-o',
    'Dpkg::Options::=--force-confdef',
    '-o',
    'Dpkg::Options::=--force-confold',
    'install',
    '-y',
    '--no-install-recommends',
    ...packages,
  ]);
}

/** Debian's archive for the base's release, from the build host's archive URI. */
export function debianSourcesList(uri: string, codename: string, components: readonly string[]) {
  const c = components.join(' ');
  return [`deb ${uri} ${codename} ${c}`, `deb ${uri} ${codename}-updates ${c}`].join('\n') + '\n';
}

/** Services must not start inside the chroot (invoke-rc.d asks this first). */
export const policyRcD =
  '#!/bin/sh\n# armada: no service starts while the image is customised\nexit 101\n';
