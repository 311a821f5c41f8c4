/**
 * One booted copy of the built image, as the e2e tests use it: copied (optionally onto a bigger
 * "card"), optionally seeded with `armada configure`, booted in QEMU with Docker's ports forwarded
 * to loopback, and waited on until first boot has finished.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  bootImage,
  extractBootFiles,
  freePort,
  GuestStall,
  type ExtraNic,
  type Vm,
} from '../helpers/qemu.js';
import { recordEvent, retryOnceAfterStall } from '../helpers/run-events.js';
import { readFat } from '../../src/image/fat.js';
import { findBootPartition } from '../../src/image/partition-table.js';
import { readPartitionTable } from '../../src/image/read-partition-table.js';
import { firstBootFailed, firstBootFinished } from '../../src/firstboot/plan.js';

export interface Booted {
  vm: Vm;
  image: string;
  /** Host ports forwarded to the guest's 2376, 2375 and, when asked for, 22. */
  ports: { docker: number; insecure: number; ssh?: number };
  bootMs: number;
}

/**
 * Bounds of a `virt` boot, about 3 × what they take here (seed → first boot finished ~60–100 s,
 * login a few seconds later, Docker over TLS 68–110 s after seeding began), so a broken guest
 * fails in minutes, not after half an hour. A console silent for `stallMs` (the longest gap seen
 * in a healthy boot here is printed with each boot) or a soft lockup is an emulator stall.
 */
export const virtBounds = {
  firstBootMs: 360_000,
  loginMs: 120_000,
  dockerMs: 180_000,
  stallMs: 180_000,
};

/** The longest a bootCopy can take: two attempts (one restart after a stall), each bounded. */
export const bootCopyBudgetMs = (firstBootMs = virtBounds.firstBootMs) =>
  2 * (60_000 + firstBootMs + virtBounds.loginMs) + virtBounds.dockerMs;

export function armada(
  args: string[],
  env: Record<string, string>,
): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('node', ['bin/armada.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 300_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** armada as a child process that does not block the test worker (builds take many minutes). */
export function armadaAsync(
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('node', ['bin/armada.js', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      process.stderr.write(d);
    });
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${timeoutMs / 1000} s)`;
      child.kill('SIGINT');
    }, timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, stdout, stderr });
    });
  });
}

export interface BootCopyOptions {
  source: string;
  dir: string;
  name: string;
  growBytes?: number;
  configure?: string[];
  env: Record<string, string>;
  /** NICs besides the user-networking one (bootImage's nics). */
  nics?: ExtraNic[];
  /** Default virtBounds.firstBootMs; longer for a guest whose first boot does more. */
  firstBootTimeoutMs?: number;
  /** Added to the card's kernel command line. */
  kernelArgs?: string[];
  /** The kernel and initramfs on the FAT (default vmlinuz, initrd.img). */
  bootFiles?: readonly [kernel: string, initrd: string];
  /** Forward a host port to the guest's SSH (Booted.ports.ssh). */
  ssh?: boolean;
  /** Runs on the copy after configure (if any) and before the boot: other tools' card files. */
  beforeBoot?: (image: string) => Promise<void>;
}

/**
 * Copies, seeds and boots the image and waits for first boot and the login prompt. A guest that
 * stalls in the emulator is booted once more from a fresh copy (recorded for the run's summary).
 */
export async function bootCopy(opts: BootCopyOptions): Promise<Booted> {
  return retryOnceAfterStall(
    `guest ${opts.name}`,
    (e) => e instanceof GuestStall,
    () => bootCopyOnce(opts),
  );
}

async function bootCopyOnce(opts: BootCopyOptions): Promise<Booted> {
  const image = join(opts.dir, `${opts.name}.img`);
  execFileSync('cp', ['--sparse=always', opts.source, image]);
  if (opts.growBytes) execFileSync('truncate', ['-s', `+${opts.growBytes}`, image]);
  if (opts.configure) {
    const r = armada(['configure', image, ...opts.configure], opts.env);
    if (r.status !== 0) throw new Error(`armada configure failed (${r.status}): ${r.stderr}`);
  }
  await opts.beforeBoot?.(image);
  const bootDir = join(opts.dir, `${opts.name}-boot`);
  execFileSync('mkdir', ['-p', bootDir]);
  const { kernel, initrd } = await extractBootFiles(image, bootDir, opts.bootFiles);
  const table = await readPartitionTable(image);
  const cmdline = (await readFat(
    { path: image, offsetBytes: findBootPartition(table).offsetBytes },
    '/cmdline.txt',
  ))!.toString();
  // The card's own command line, with QEMU virt's serial console instead of the Pi's UART.
  const append = cmdline
    .trim()
    .split(/\s+/)
    .filter((a) => !a.startsWith('console='))
    .concat('console=ttyAMA0', ...(opts.kernelArgs ?? []))
    .join(' ');
  const ports: Booted['ports'] = {
    docker: await freePort(),
    insecure: await freePort(),
    ...(opts.ssh ? { ssh: await freePort() } : {}),
  };
  const started = Date.now();
  const vm = await bootImage({
    image,
    kernel,
    initrd,
    append,
    memMb: 1536,
    cpus: 2,
    serialLog: join(opts.dir, `${opts.name}-serial.log`),
    forwards: [
      { host: ports.docker, guest: 2376 },
      { host: ports.insecure, guest: 2375 },
      ...(ports.ssh ? [{ host: ports.ssh, guest: 22 }] : []),
    ],
    ...(opts.nics ? { nics: opts.nics } : {}),
  });
  // The caller's afterAll stops it too; this covers a failure before bootCopy returns.
  const stopOnFailure = async (e: unknown) => {
    await vm.stop();
    throw e;
  };
  const firstBootMs = opts.firstBootTimeoutMs ?? virtBounds.firstBootMs;
  const stall = { stallMs: virtBounds.stallMs };
  await Promise.race([
    vm.waitFor(firstBootFinished, firstBootMs, 'first boot to finish', stall),
    vm.waitFor(firstBootFailed, firstBootMs, 'first boot failure').then((l) => {
      throw new Error(`first boot failed: ${l}\n${vm.logTail(80)}`);
    }),
  ]).catch(stopOnFailure);
  await vm.waitFor(/ login: /, virtBounds.loginMs, 'the login prompt', stall).catch(stopOnFailure);
  const bootMs = Date.now() - started;
  recordEvent(
    `guest ${opts.name}: first boot and login ${Math.round(bootMs / 1000)} s, longest console silence ${Math.round(vm.longestSilenceMs() / 1000)} s`,
  );
  return { vm, image, ports, bootMs };
}

/** The docker CLI's connection flags for a booted VM's forwarded port. */
export function dockerConnection(
  port: number,
  tls: { ca: string; cert: string; key: string } | 'none',
): string[] {
  const host = ['-H', `tcp://127.0.0.1:${port}`];
  if (tls === 'none') return host;
  return [
    '--tlsverify',
    '--tlscacert',
    tls.ca,
    '--tlscert',
    tls.cert,
    '--tlskey',
    tls.key,
    ...host,
  ];
}

/** This laptop's client certificate as `armada ca init` made it in env's config dir. */
export function laptopClientTls(env: Record<string, string>): {
  ca: string;
  cert: string;
  key: string;
} {
  const client = join(env.ARMADA_CONFIG_DIR, 'client');
  return {
    ca: join(client, 'ca.pem'),
    cert: join(client, 'cert.pem'),
    key: join(client, 'key.pem'),
  };
}

/** The docker CLI against a booted VM, with explicit TLS material and a private config dir. */
export function docker(
  port: number,
  tls: { ca: string; cert: string; key: string } | 'none',
  args: string[],
  env: Record<string, string>,
  timeoutMs = 180_000,
): { status: number; stdout: string; stderr: string } {
  const conn = dockerConnection(port, tls);
  const r = spawnSync('docker', [...conn, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: timeoutMs,
  });
  return {
    status: r.status ?? -1,
    stdout: r.stdout ?? '',
    stderr: (r.stderr ?? '') + (r.error ? String(r.error) : ''),
  };
}

/** Polls until Docker answers over TLS (dockerd starts after first boot, slowly under TCG). */
export async function waitForDocker(
  vm: Vm,
  port: number,
  tls: { ca: string; cert: string; key: string },
  env: Record<string, string>,
  timeoutMs = virtBounds.dockerMs,
): Promise<number> {
  const start = Date.now();
  let last = '';
  while (Date.now() - start < timeoutMs) {
    const r = docker(port, tls, ['version', '--format', '{{.Server.Version}}'], env, 30_000);
    if (r.status === 0) return Date.now() - start;
    last = r.stderr;
    await new Promise((res) => setTimeout(res, 3000));
  }
  throw new Error(
    `Docker did not answer over TLS within ${timeoutMs / 1000}s: ${last}\n${vm.logTail(60)}`,
  );
}
