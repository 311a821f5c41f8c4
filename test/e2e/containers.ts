/**
 * A container image without a registry (the guests reach none): Debian's arm64 busybox-static
 * binary in a tarball, `docker import`ed through the TLS endpoint.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { debianPackage } from '../helpers/kernel-packages.js';
import { docker } from './vm.js';

export type Tls = { ca: string; cert: string; key: string };

export const busyboxImage = 'e2e-busybox';

/** A tiny arm64 root filesystem (Debian's busybox-static) in dir, made once. */
export function busyboxTar(dir: string): string {
  const tar = join(dir, 'busybox.tar');
  if (existsSync(tar)) return tar;
  const x = join(dir, 'busybox-deb');
  execFileSync('dpkg-deb', ['-x', debianPackage('arm64', 'busybox-static'), x]);
  const root = join(dir, 'busybox-root');
  mkdirSync(join(root, 'bin'), { recursive: true });
  execFileSync('cp', [join(x, 'bin/busybox'), join(root, 'bin/busybox')]);
  execFileSync('tar', ['-C', root, '-cf', tar, '.']);
  return tar;
}

export function importBusybox(
  port: number,
  tls: Tls,
  dir: string,
  env: Record<string, string>,
): void {
  const r = docker(port, tls, ['import', busyboxTar(dir), busyboxImage], env, 300_000);
  expect(r.status, r.stderr).toBe(0);
}

/**
 * Runs `script` in busybox on the booted host with `mounts` (host path → container path) bound
 * read-only: how the tests read the guest's own files through Docker. Fails unless it exits 0;
 * returns its stdout.
 */
export function readThroughDocker(
  port: number,
  tls: Tls,
  mounts: Record<string, string>,
  script: string,
  env: Record<string, string>,
): string {
  const volumes = Object.entries(mounts).flatMap(([host, inside]) => [
    '-v',
    `${host}:${inside}:ro`,
  ]);
  const r = docker(
    port,
    tls,
    ['run', '--rm', ...volumes, busyboxImage, '/bin/busybox', 'sh', '-c', script],
    env,
  );
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

/** The guest's machine-id and SSH host key, read from its /etc through Docker. */
export function readIdentity(
  port: number,
  tls: Tls,
  env: Record<string, string>,
): { machineId: string; hostKey: string } {
  const out = readThroughDocker(
    port,
    tls,
    { '/etc': '/host-etc' },
    'cat /host-etc/machine-id /host-etc/ssh/ssh_host_ed25519_key.pub',
    env,
  );
  const [machineId, hostKey] = out.trim().split('\n');
  return { machineId, hostKey };
}
