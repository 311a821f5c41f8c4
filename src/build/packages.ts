/**
 * The default package set: what a Raspberry Pi Docker host needs, and nothing a device must not
 * ship. Keep the reason next to each group.
 */
import type { Arch } from './options.js';

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
  // Docker; apparmor because Debian's kernel enables AppArmor and `docker run` needs apparmor_parser
  'docker.io',
  'containerd',
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
];

const kernels: Record<Arch, string> = {
  arm64: 'linux-image-arm64',
  // Pi 2/3 in 32-bit mode; LPAE kernel covers Cortex-A7/A53.
  armhf: 'linux-image-armmp-lpae',
};

export function defaultPackages(arch: Arch): string[] {
  return [kernels[arch], ...common];
}

export function packageSet(arch: Arch, extra: readonly string[]): string[] {
  return [...new Set([...defaultPackages(arch), ...extra])].sort();
}
