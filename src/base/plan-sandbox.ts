/**
 * How a base image's own programs run (its apt, dpkg and maintainer scripts): as root, but in a
 * sandbox that keeps them off the build host. Pure: the install-docker step runs the command.
 *
 * - Own mount, PID, IPC and UTS namespaces: every mount below vanishes with the process, and
 *   when the command ends, everything it left running is killed with it.
 * - The tree is bind-mounted onto itself `nodev`: a device node in it opens nothing.
 * - A private /dev on tmpfs with null, zero, full, random, urandom, tty, a new pts instance
 *   (ptmx) and shm: no host block device exists in it.
 * - The namespace's own /proc, with sys, sysrq-trigger, irq, bus and fs read-only (a root
 *   process could otherwise set the host's kernel.core_pattern and have the host run it).
 * - No host path is mounted in. capsh chroots into the tree and drops from the bounding set
 *   every capability but the few a package install needs (owners, modes, setuid programs,
 *   file capabilities): without CAP_SYS_CHROOT no chroot escape, without CAP_MKNOD and
 *   CAP_SYS_ADMIN no new device node and no mount, without CAP_SYS_PTRACE no /proc/1/root
 *   (PID 1 is the chrooted command itself anyway), without CAP_DAC_READ_SEARCH no
 *   open_by_handle_at, without CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_NET_ADMIN… nothing of the
 *   host's kernel state.
 * - Networking is the host's (apt downloads), unless `network` is false (offline installs):
 *   then an empty network namespace.
 */
import type { Command } from '../exec.js';

/**
 * Capabilities a package install keeps (numbers, as the kernel counts them): chown,
 * dac_override, fowner, fsetid, kill, setgid, setuid, net_bind_service, audit_write, setfcap.
 */
export const keptCapabilities = [0, 1, 3, 4, 5, 6, 7, 10, 29, 31] as const;

/** Nodes of the private /dev: name, major, minor (as devtmpfs makes them, all 0666). */
export const devNodes: readonly (readonly [string, number, number])[] = [
  ['null', 1, 3],
  ['zero', 1, 5],
  ['full', 1, 7],
  ['random', 1, 8],
  ['urandom', 1, 9],
  ['tty', 5, 0],
];

/** /proc entries mounted read-only inside. */
export const readOnlyProc = ['sys', 'sysrq-trigger', 'irq', 'bus', 'fs'];

/** Mount points the sandbox needs as real directories of the tree (root-fs.ts realDirInRoot). */
export const sandboxMountPoints = ['/dev', '/proc'];

/** Exit status of the setup itself (before the base's program runs), told apart from apt's. */
export const sandboxSetupFailed = 125;

const script = [
  'set -eu',
  'r="$1"; shift',
  // A link as a mount point would be followed on the host side of the mount.
  `for d in ${sandboxMountPoints.map((p) => p.slice(1)).join(' ')}; do`,
  `  if [ -L "$r/$d" ] || [ ! -d "$r/$d" ]; then echo "armada: /$d in the base's root is not a directory" >&2; exit ${sandboxSetupFailed}; fi`,
  'done',
  'mount --bind "$r" "$r"',
  'mount -o remount,bind,nodev "$r"',
  'mount -t tmpfs -o mode=0755,nosuid,size=16m armada-dev "$r/dev"',
  ...devNodes.map(([n, major, minor]) => `mknod -m 0666 "$r/dev/${n}" c ${major} ${minor}`),
  'mkdir "$r/dev/pts" "$r/dev/shm"',
  'mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,nosuid,noexec devpts "$r/dev/pts"',
  'ln -s pts/ptmx "$r/dev/ptmx"',
  'mount -t tmpfs -o mode=1777,nosuid,nodev shm "$r/dev/shm"',
  'ln -s /proc/self/fd "$r/dev/fd"',
  'ln -s /proc/self/fd/0 "$r/dev/stdin"',
  'ln -s /proc/self/fd/1 "$r/dev/stdout"',
  'ln -s /proc/self/fd/2 "$r/dev/stderr"',
  'mount -t proc -o nosuid,nodev,noexec proc "$r/proc"',
  `for p in ${readOnlyProc.join(' ')}; do`,
  '  if [ -e "$r/proc/$p" ]; then mount --bind "$r/proc/$p" "$r/proc/$p"; mount -o remount,bind,ro "$r/proc/$p"; fi',
  'done',
  // Every capability the running kernel knows, but the kept ones, leaves the bounding set.
  `keep=" ${keptCapabilities.join(' ')} "`,
  'last=$(cat /proc/sys/kernel/cap_last_cap)',
  'drop=""; i=0',
  'while [ "$i" -le "$last" ]; do',
  '  case "$keep" in *" $i "*) ;; *) drop="$drop${drop:+,}$i" ;; esac',
  '  i=$((i + 1))',
  'done',
  'cd "$r"',
  // exec: the chrooted command becomes PID 1, so no process of the namespace runs outside it.
  'exec capsh --chroot="$r" --drop="$drop" --inh= --noamb --shell=/usr/bin/env -- "$@"',
].join('\n');

/**
 * `args` (a program of the tree and its arguments, run through the tree's /usr/bin/env, so
 * VAR=value words may come first) run in the sandbox rooted at `root`.
 */
export function sandboxCommand(
  root: string,
  args: readonly string[],
  opts: { network: boolean } = { network: true },
): Command {
  return [
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      '--pid',
      '--fork',
      '--kill-child',
      '--ipc',
      '--uts',
      ...(opts.network ? [] : ['--net']),
      '--',
      'sh',
      '-c',
      script,
      'armada-sandbox',
      root,
      ...args,
    ],
  ];
}
