/**
 * Debian 13's QEMU (10.x, the first with `-M raspi4b`) for hosts whose own QEMU is older (Debian
 * 12 has 7.2): a root filesystem of the host's architecture made by mmdebstrap
 * (`--variant=apt --include=qemu-system-arm`, ~36 s, ~616 MB), cached under
 * ~/.cache/armada/emulators/<key>/ and keyed by what is in it (suite, architecture, variant,
 * packages, this recipe). The archive is mmdebstrap's default mirror, as the build's bootstrap
 * uses it, checked with Debian's archive keyring. Test harness only: nothing here goes into an
 * image.
 *
 * inChroot() wraps a QEMU command so it runs inside that root, in a private mount namespace
 * (unshare) with /dev and /proc mounted and the test's working directory bound at /mnt: the mounts
 * vanish with the process, whatever kills it, and the shared cached root is never changed.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from '../../src/exec.js';
import { cacheDir } from '../../src/cache/dir.js';
import { cachePath, completeFile } from '../../src/cache/layout.js';
import { debianArchiveKeyring } from '../../src/build/plan-bootstrap.js';
import { safeRemoveTree } from '../../src/safe-remove.js';

const recipe = 1;
const suite = 'trixie';
const packages = ['qemu-system-arm'];

export interface QemuRoot {
  rootfs: string;
  /** `qemu-system-aarch64 --version`'s first line, e.g. "QEMU emulator version 10.0.x (…)". */
  version: string;
}

const hostArch = () => execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();

/** Names the root by everything that decides its content. */
export function qemuRootKey(arch: string): string {
  return createHash('sha256')
    .update(JSON.stringify({ recipe, suite, arch, variant: 'apt', packages }))
    .digest('hex')
    .slice(0, 16);
}

/** The mmdebstrap invocation, as data ([] mirror lines: mmdebstrap's default, like the build). */
export function qemuRootBootstrap(arch: string, targetDir: string): Command {
  return [
    'mmdebstrap',
    [
      '--mode=root',
      '--variant=apt',
      `--arch=${arch}`,
      `--include=${packages.join(',')}`,
      '--aptopt=Acquire::Retries "3"',
      '--dpkgopt=force-unsafe-io',
      `--keyring=${debianArchiveKeyring}`,
      suite,
      targetDir,
    ],
  ];
}

/** Where the working directory appears inside the root. */
export const chrootWorkDir = '/mnt';

/**
 * `command` run inside the root, every mention of workDir in its arguments made /mnt. unshare
 * execs (no fork), so the returned process is QEMU itself: stopping it needs nothing else.
 */
export function inChroot(root: QemuRoot, workDir: string, command: Command): Command {
  const [file, args] = command;
  const script =
    'set -e; r=$1; w=$2; shift 2; mount --rbind /dev "$r/dev"; mount -t proc proc "$r/proc"; ' +
    'mount --bind "$w" "$r/mnt"; exec chroot "$r" "$@"';
  return [
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      '--',
      'sh',
      '-c',
      script,
      'sh',
      root.rootfs,
      workDir,
      file,
      ...args.map((a) => a.replaceAll(workDir, chrootWorkDir)),
    ],
  ];
}

function run(command: Command, timeoutMs: number): string {
  try {
    return execFileSync(command[0], [...command[1]], {
      encoding: 'utf8',
      timeout: timeoutMs,
      maxBuffer: 64 << 20,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(
      `${command[0]} ${command[1].join(' ')} failed (bound ${timeoutMs / 1000} s): ${String(e.stderr ?? e.message).slice(-3000)}`,
    );
  }
}

/**
 * The cached root with Debian 13's QEMU, made when missing (needs root and mmdebstrap). A root is
 * made under a temporary name and renamed when complete, so an interrupted run never leaves a
 * root that looks finished.
 */
export async function ensureQemuRoot(): Promise<QemuRoot> {
  const arch = hostArch();
  const dir = cachePath(cacheDir(), 'emulators', qemuRootKey(arch));
  const complete = join(dir, completeFile);
  if (existsSync(complete)) {
    const record = JSON.parse(readFileSync(complete, 'utf8')) as { qemu: string };
    return { rootfs: join(dir, 'rootfs'), version: record.qemu };
  }
  const partial = `${dir}.partial-${process.pid}`;
  await safeRemoveTree(partial);
  await mkdir(partial, { recursive: true });
  try {
    // ~36 s here; 10 minutes covers a slow mirror without hanging the suite.
    run(qemuRootBootstrap(arch, join(partial, 'rootfs')), 600_000);
    const root = { rootfs: join(partial, 'rootfs'), version: '' };
    const version = run(
      inChroot(root, partial, ['qemu-system-aarch64', ['--version']]),
      60_000,
    ).split('\n')[0];
    await writeFile(
      join(partial, completeFile),
      `${JSON.stringify({ suite, arch, packages, recipe, qemu: version, createdAt: new Date().toISOString() }, null, 2)}\n`,
    );
    // Another run may have finished the same root meanwhile: its copy is as good as this one.
    await rename(partial, dir).catch(async (e: NodeJS.ErrnoException) => {
      if (!existsSync(complete)) throw e;
      await safeRemoveTree(partial);
    });
    return { rootfs: join(dir, 'rootfs'), version };
  } catch (e) {
    await safeRemoveTree(partial);
    throw e;
  }
}
