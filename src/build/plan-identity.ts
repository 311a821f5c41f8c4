/**
 * What makes a device a device: none of it may ship in a release image. First boot creates a
 * machine-id and SSH host keys on each card. Pure: the step applies it.
 */
export interface IdentityPlan {
  /** Globs (relative to the root filesystem) to delete. */
  remove: string[];
  /** Files to truncate to empty (kept, because their absence means something else). */
  truncate: string[];
  /** Directories to empty but keep. */
  empty: string[];
}

export function planStripIdentity(): IdentityPlan {
  return {
    remove: [
      'etc/ssh/ssh_host_*',
      'var/lib/dbus/machine-id',
      'var/lib/systemd/random-seed',
      'var/lib/systemd/credential.secret',
      'etc/docker/key.json',
      'root/.bash_history',
      'var/cache/debconf/*-old',
      'var/lib/dpkg/*-old',
      'var/cache/apt/*.bin',
      'etc/initramfs-tools/conf.d/armada.conf',
    ],
    // An empty machine-id makes systemd treat the next boot as the first (ConditionFirstBoot).
    truncate: ['etc/machine-id'],
    empty: [
      'var/lib/apt/lists',
      'var/cache/apt/archives',
      'var/log',
      'tmp',
      'var/tmp',
      'boot/firmware',
      'var/lib/docker',
    ],
  };
}

export function hostsFile(hostname: string): string {
  return `127.0.0.1\tlocalhost\n127.0.1.1\t${hostname}\n::1\t\tlocalhost ip6-localhost ip6-loopback\nff02::1\t\tip6-allnodes\nff02::2\t\tip6-allrouters\n`;
}
