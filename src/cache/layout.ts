/**
 * What lies where in armada's cache directory (src/cache/dir.ts says where that is). Every writer
 * and `armada cache ls/prune` take their paths from here, so what a build stores is what the cache
 * commands find. Pure.
 *
 *   stages/<key>/{rootfs,complete.json}     bootstrapped root filesystems; `<key>.partial` while made
 *   installs/<key>/{rootfs,complete.json}   build --base's installed roots; `<key>.partial-…` while stored
 *   apt/<arch>/                             .deb files apt downloaded, shared by every build
 *   artifacts/<image sha256>/               compressed artifacts of an image
 *   downloads/<sha256>/<name>               verified downloads (src/download/)
 *   verified-images.json                    local images' digests, so each is hashed once
 *   standins/, test-kernels/, bench/        the tests' and benches' own, never pruned by armada
 *   emulators/<key>/{rootfs,complete.json}  the tests' own: a newer QEMU in a chroot (raspi4b)
 */
import { join } from 'node:path';

const cacheFolders = {
  stages: 'stages',
  installs: 'installs',
  apt: 'apt',
  artifacts: 'artifacts',
  downloads: 'downloads',
  standins: 'standins',
  testKernels: 'test-kernels',
  bench: 'bench',
  emulators: 'emulators',
} as const;

export type CacheFolder = keyof typeof cacheFolders;

/** A folder of the cache, or a path inside it. */
export function cachePath(root: string, folder: CacheFolder, ...inside: string[]): string {
  return join(root, cacheFolders[folder], ...inside);
}

export function verifiedImagesFile(root: string): string {
  return join(root, 'verified-images.json');
}

/** What a stage or installed root keeps about itself; a tree without it is not complete. */
export const completeFile = 'complete.json';

export function stagePaths(root: string, key: string) {
  const dir = cachePath(root, 'stages', key);
  return {
    dir,
    rootfs: join(dir, 'rootfs'),
    partial: `${dir}.partial`,
    complete: join(dir, completeFile),
  };
}

export const isPartialStage = (name: string) => name.endsWith('.partial');

export function installPaths(root: string, key: string) {
  const dir = cachePath(root, 'installs', key);
  return {
    dir,
    rootfs: join(dir, 'rootfs'),
    complete: join(dir, completeFile),
    /** A store in progress; renamed to `dir` once complete. */
    partialPrefix: `${dir}.partial-`,
  };
}

export const isPartialInstall = (name: string) => name.includes('.partial-');
