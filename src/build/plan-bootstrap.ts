/**
 * The mmdebstrap invocation, as data. The expensive part of a cold build is initramfs generation
 * under emulation, run once per kernel/package by the default hooks; we divert update-initramfs
 * during the install and run it once at the end with MODULES=list (see initramfs-modules.json).
 */
import type { Command } from '../exec.js';
import type { Arch } from './options.js';

export interface BootstrapInput {
  arch: Arch;
  suite: string;
  /** Full `deb URI suite components` lines; [] lets mmdebstrap choose its default mirror. */
  mirrorLines: string[];
  components: string[];
  /** --keyring; without it, Debian's archive keyring (never every key the build host trusts). */
  keyring?: string;
  packages: string[];
  targetDir: string;
  /** Host directory whose .debs are reused and refreshed (package cache). */
  aptCacheDir: string;
  initramfsModules: string[];
}

const diverted = '/usr/sbin/update-initramfs.armada';

/**
 * What the archive is verified with when --keyring is not given. Without any --keyring,
 * mmdebstrap trusts every key in the build host's trusted.gpg.d (a vendor's repository key
 * included); this file holds only Debian's archive keys (package debian-archive-keyring).
 */
export const debianArchiveKeyring = '/usr/share/keyrings/debian-archive-keyring.gpg';

/** Shell: copy the InRelease files apt used out of the root filesystem, beside it. */
export function keepInReleases(rootfs: string): string {
  return `mkdir -p ${rootfs}/../inrelease && cp ${rootfs}/var/lib/apt/lists/*_InRelease ${rootfs}/../inrelease/`;
}

function sh(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

function bootstrapHooks(input: BootstrapInput): {
  setup: string[];
  essential: string[];
  customize: string[];
} {
  const modules = input.initramfsModules.join('\\n');
  return {
    setup: [
      `mkdir -p ${sh(input.aptCacheDir)} "$1"/var/cache/apt/archives/ "$1"/etc/initramfs-tools/conf.d`,
      `sync-in ${input.aptCacheDir} /var/cache/apt/archives/`,
      // conf.d is not a conffile, so it can be in place before initramfs-tools is unpacked.
      `printf 'MODULES=list\\nCOMPRESS=zstd\\n' > "$1"/etc/initramfs-tools/conf.d/armada.conf`,
    ],
    essential: [
      `chroot "$1" dpkg-divert --quiet --local --rename --divert ${diverted} --add /usr/sbin/update-initramfs`,
      `printf '#!/bin/sh\\necho "armada: update-initramfs deferred to the end of the bootstrap" >&2\\n' > "$1"/usr/sbin/update-initramfs`,
      `chmod 0755 "$1"/usr/sbin/update-initramfs`,
    ],
    customize: [
      `rm -f "$1"/usr/sbin/update-initramfs`,
      `chroot "$1" dpkg-divert --quiet --local --rename --remove /usr/sbin/update-initramfs`,
      `printf '${modules}\\n' > "$1"/etc/initramfs-tools/modules`,
      `chroot "$1" update-initramfs -c -k all`,
      `sync-out /var/cache/apt/archives ${input.aptCacheDir}`,
      // The exact archive state the stage was made from (mmdebstrap removes the lists after).
      keepInReleases('"$1"'),
    ],
  };
}

/** What the bootstrap and the package check share: the archive, its key and the packages. */
function archiveArgs(input: Pick<BootstrapInput, 'arch' | 'components' | 'packages'>): string[] {
  return [
    '--mode=root',
    '--variant=minbase',
    `--arch=${input.arch}`,
    `--components=${input.components.join(',')}`,
    `--include=${input.packages.join(',')}`,
  ];
}

export function mmdebstrapCommand(input: BootstrapInput): Command {
  const hooks = bootstrapHooks(input);
  const args = [
    ...archiveArgs(input),
    '--skip=download/empty',
    '--skip=essential/unlink',
    '--aptopt=Acquire::Retries "3"',
    '--dpkgopt=force-unsafe-io',
    `--keyring=${input.keyring ?? debianArchiveKeyring}`,
    ...hooks.setup.map((h) => `--setup-hook=${h}`),
    ...hooks.essential.map((h) => `--essential-hook=${h}`),
    ...hooks.customize.map((h) => `--customize-hook=${h}`),
    input.suite,
    input.targetDir,
    ...input.mirrorLines,
  ];
  return ['mmdebstrap', args];
}

/**
 * The bootstrap's own apt asked, before the bootstrap, whether it can install the packages
 * (mmdebstrap --simulate: apt-get update, then apt-get install --simulate; nothing downloaded,
 * unpacked or run). Same mirror lines (mmdebstrap's default mirror when there are none), same
 * keyring, same components and architecture, so the answer is the bootstrap's: an unknown name
 * fails in seconds instead of after the essential set is installed under emulation. apt verifies
 * the InRelease signatures with the keyring as it does in the bootstrap. `targetDir` receives
 * apt's skeleton and package lists only.
 */
export function packageCheckCommand(
  input: Omit<BootstrapInput, 'aptCacheDir' | 'initramfsModules'>,
): Command {
  return [
    'mmdebstrap',
    [
      '--simulate',
      ...archiveArgs(input),
      '--aptopt=Acquire::Retries "3"',
      `--keyring=${input.keyring ?? debianArchiveKeyring}`,
      input.suite,
      input.targetDir,
      ...input.mirrorLines,
    ],
  ];
}
