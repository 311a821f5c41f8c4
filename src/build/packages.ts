/**
 * The default package set: what a Raspberry Pi Docker host needs, and nothing a device must not
 * ship. Keep the reason next to each group.
 */
import type { Arch } from './options.js';
import { defaultSuite, defaultSuiteInfo, suiteInfo } from '../apt/suites.js';
import features from './features.json' with { type: 'json' };

const common = [
  // boot: firmware, kernel, early userspace
  'raspi-firmware',
  'initramfs-tools',
  'zstd',
  // init, devices, networking (systemd-networkd is part of systemd)
  'systemd-sysv',
  'systemd-timesyncd',
  'udev',
  'dbus',
  'kmod',
  'iproute2',
  'iputils-ping',
  'netbase',
  'ca-certificates',
  // Wi-Fi on Pi 3/4/400/Zero 2 W
  'firmware-brcm80211',
  'wireless-regdb',
  'wpasupplicant',
  'iw',
  // Docker itself comes from suites.json; apparmor because Debian's kernel enables AppArmor and
  // `docker run` needs apparmor_parser
  'apparmor',
  'iptables',
  // discovery and access
  'avahi-daemon',
  'libnss-mdns',
  'openssh-server',
  'sudo',
  // first boot: TLS, growing the root filesystem, locale/timezone
  'openssl',
  'fdisk',
  'e2fsprogs',
  'dosfstools',
  'locales',
  'tzdata',
  'less',
  // security updates without anyone logged in: the security suite only, no reboots
  // (src/templates/apt/; off with SECURITY_UPDATES='0' in the seed)
  'unattended-upgrades',
];

const kernels: Record<Arch, string> = {
  arm64: 'linux-image-arm64',
  // Pi 2/3 in 32-bit mode; LPAE kernel covers Cortex-A7/A53.
  armhf: 'linux-image-armmp-lpae',
};

export function defaultPackages(arch: Arch, suite: string = defaultSuite): string[] {
  const docker = (suiteInfo(suite) ?? defaultSuiteInfo).docker;
  return [kernels[arch], ...common, ...docker];
}

export function packageSet(arch: Arch, suite: string, extra: readonly string[]): string[] {
  return [...new Set([...defaultPackages(arch, suite), ...extra])].sort();
}

export interface Feature {
  title: string;
  why: string;
  packages: string[];
  kernelGroups: string[];
}

const knownFeatures: Record<string, Feature> = features.features;

export function feature(name: string): Feature | undefined {
  return Object.hasOwn(knownFeatures, name) ? knownFeatures[name] : undefined;
}

export function featureNames(): string[] {
  return Object.keys(knownFeatures);
}

/** Kernel groups a build requires unless told otherwise (Docker's are always required). */
export const defaultKernelGroups: readonly string[] = features.defaultKernelGroups;

/** Everything a build installs: the suite's set, its features' packages and the extra ones. */
export function buildPackages(o: {
  arch: Arch;
  suite: string;
  with: readonly string[];
  packages: readonly string[];
}): string[] {
  const fromFeatures = o.with.flatMap((f) => feature(f)?.packages ?? []);
  return packageSet(o.arch, o.suite, [...fromFeatures, ...o.packages]);
}
