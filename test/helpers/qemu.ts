/**
 * Boots an armada image in QEMU (arm64 `virt` machine) for end-to-end tests: the serial console
 * goes to a file that waitFor() polls, ports are forwarded to 127.0.0.1 only, and every wait is
 * bounded and fails with what it waited for plus the console's last lines.
 *
 * The caller registers stop() with afterAll; QEMU is also killed when the test process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { join } from 'node:path';
import type { Command } from '../../src/exec.js';
import { readFat, type FatVolume } from '../../src/image/fat.js';
import { findBootPartition } from '../../src/image/partition-table.js';
import { readPartitionTable } from '../../src/image/read-partition-table.js';

export interface Forward {
  host: number;
  guest: number;
}

/** A NIC besides the user-networking one, e.g. on a private L2 of the test's own. */
export interface ExtraNic {
  /** A QEMU -netdev backend without id, e.g. `socket,listen=127.0.0.1:40100`. */
  netdev: string;
  /** The NIC's MAC address (user-data can match on it). */
  mac: string;
}

export interface BootOptions {
  image: string;
  kernel: string;
  initrd: string;
  /** Kernel command line, e.g. `console=ttyAMA0 root=PARTUUID=… rw rootwait`. */
  append: string;
  memMb?: number;
  cpus?: number;
  forwards: Forward[];
  serialLog: string;
  /** Default cortex-a72 (TCG); `host` with accel kvm on an arm64 host. */
  cpu?: string;
  accel?: 'tcg' | 'kvm';
  /** Changes go to a temporary file instead of the image. Default false: first boot writes the card. */
  snapshot?: boolean;
  /** Exit instead of rebooting (a panic fails the test fast). Default true. */
  noReboot?: boolean;
  /** More virtio NICs after the user-networking one, in this order. */
  nics?: ExtraNic[];
  /** The QEMU binary (tests of the harness use a stand-in). */
  qemu?: string;
}

export interface WaitOptions {
  /**
   * Fails with a GuestStall when the console has been silent this long, or at once when the
   * kernel reports a soft lockup: under TCG on a loaded 2-core host a guest can stall in the
   * emulator (CI once saw one stuck 48 s in a module signature check) and never recover.
   */
  stallMs?: number;
}

/** The guest stalled in the emulator (see WaitOptions.stallMs); a fresh boot may succeed. */
export class GuestStall extends Error {
  override name = 'GuestStall';
}

/** The kernel's own report that a CPU made no progress (watchdog: BUG: soft lockup …). */
export const softLockup = /soft lockup - CPU#\d+ stuck for \d+s/;

export interface Vm {
  /** Resolves with the first console line matching pattern; rejects on timeout or QEMU's exit. */
  waitFor(pattern: RegExp, timeoutMs: number, what: string, opts?: WaitOptions): Promise<string>;
  /** The longest the console has been silent so far (how close a boot came to a stall bound). */
  longestSilenceMs(): number;
  stop(): Promise<void>;
  /** The last lines of the serial console, control characters removed. */
  logTail(lines?: number): string;
  pid: number | undefined;
}

/** The QEMU command line, as data. */
export function qemuCommand(opts: BootOptions): Command {
  const accel = opts.accel ?? 'tcg';
  const fwd = opts.forwards.map((f) => `,hostfwd=tcp:127.0.0.1:${f.host}-:${f.guest}`).join('');
  const args = [
    '-M',
    'virt',
    '-accel',
    accel === 'tcg' ? 'tcg,thread=multi' : 'kvm',
    '-cpu',
    opts.cpu ?? (accel === 'kvm' ? 'host' : 'cortex-a72'),
    '-smp',
    String(opts.cpus ?? 2),
    '-m',
    String(opts.memMb ?? 1024),
    '-display',
    'none',
    '-monitor',
    'none',
    '-serial',
    `file:${opts.serialLog}`,
    '-kernel',
    opts.kernel,
    '-initrd',
    opts.initrd,
    '-append',
    opts.append,
    '-drive',
    `file=${opts.image},format=raw,if=virtio${opts.snapshot ? ',snapshot=on' : ''}`,
    // restrict=on: the guest reaches nothing outside; hostfwd still works.
    '-netdev',
    `user,id=n0,restrict=on${fwd}`,
    '-device',
    'virtio-net-pci,netdev=n0',
    ...(opts.nics ?? []).flatMap((nic, i) => [
      '-netdev',
      `${nic.netdev},id=x${i + 1}`,
      '-device',
      `virtio-net-pci,netdev=x${i + 1},mac=${nic.mac}`,
    ]),
    // Entropy at once: key generation on first boot must not wait for the guest's pool.
    '-device',
    'virtio-rng-pci',
    ...((opts.noReboot ?? true) ? ['-no-reboot'] : []),
  ];
  return [opts.qemu ?? 'qemu-system-aarch64', args];
}

/** A TCP port on 127.0.0.1 that was free a moment ago (for hostfwd). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port on 127.0.0.1'))));
    });
  });
}

// eslint-disable-next-line no-control-regex
const controls = /\x1b\[[0-9;?]*[A-Za-z]|\r|[\x00-\x08\x0b-\x1f\x7f]/g;

export function tailLines(text: string, lines: number): string {
  return text.replace(controls, '').split('\n').slice(-lines).join('\n');
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function killAllOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

export async function bootImage(opts: BootOptions): Promise<Vm> {
  return startQemu(qemuCommand(opts), opts.serialLog, {
    image: opts.image,
    kernel: opts.kernel,
    initrd: opts.initrd,
  });
}

/**
 * Starts a QEMU command whose console goes to serialLog (any machine: virt, raspi3b) and returns
 * the handle that waits on it. Every file in `files` must exist first.
 */
export async function startQemu(
  command: Command,
  serialLog: string,
  files: Record<string, string>,
): Promise<Vm> {
  for (const [what, path] of Object.entries(files)) {
    if (!existsSync(path))
      throw new Error(
        `bootImage: the ${what} ${path} does not exist (extractBootFiles gets vmlinuz and initrd.img from the image)`,
      );
  }
  const opts = { serialLog };
  await writeFile(opts.serialLog, '');
  const [file, args] = command;
  const child = spawn(file, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let exit: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (e: NodeJS.ErrnoException) => {
      exit =
        e.code === 'ENOENT'
          ? `${file} was not found (apt-get install qemu-system-arm, or scripts/setup-host.sh)`
          : `could not start ${file}: ${e.message}`;
      resolve();
    });
    child.once('exit', (code, signal) => {
      exit = signal ? `QEMU was killed by ${signal}` : `QEMU exited with code ${code}`;
      resolve();
    });
  });
  running.add(child);
  killAllOnExit();
  void exited.then(() => running.delete(child));

  let log = '';
  let offset = 0;
  let lastOutputAt = Date.now();
  let longestSilence = 0;
  const handle = await open(opts.serialLog, 'r');
  let closed = false;
  // Several waits may poll at once; they share one read at a time, or two reads of the same
  // offset would both advance it and the console text between them would be lost.
  let reading: Promise<void> | undefined;
  function poll(): Promise<void> {
    reading ??= readNew().finally(() => (reading = undefined));
    return reading;
  }
  const decoder = new StringDecoder('utf8');
  async function readNew(): Promise<void> {
    const buf = Buffer.alloc(1 << 16);
    while (!closed) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, offset);
      if (bytesRead === 0) return;
      const now = Date.now();
      longestSilence = Math.max(longestSilence, now - lastOutputAt);
      lastOutputAt = now;
      offset += bytesRead;
      log += decoder.write(buf.subarray(0, bytesRead));
    }
  }

  const logTail = (lines = 60) => tailLines(log, lines);
  const failure = (reason: string) =>
    new Error(
      `${reason}\n${exit ?? 'QEMU is still running'}${stderr.trim() ? `; QEMU said: ${stderr.trim()}` : ''}\n` +
        `--- last 60 lines of the serial console (${opts.serialLog}) ---\n${logTail(60)}`,
    );

  /**
   * A wait started early and awaited later (e.g. "first boot failed" watched while other
   * checks run) may reject before anyone awaits it; it is marked handled, so that is not an
   * unhandled rejection. Whoever awaits it still gets the error.
   */
  function waitFor(
    pattern: RegExp,
    timeoutMs: number,
    what: string,
    opts: WaitOptions = {},
  ): Promise<string> {
    const wait = waitUntil(pattern, timeoutMs, what, opts);
    wait.catch(() => undefined);
    return wait;
  }

  async function waitUntil(
    pattern: RegExp,
    timeoutMs: number,
    what: string,
    opts: WaitOptions,
  ): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    const flat = new RegExp(pattern.source, pattern.flags.replace('g', ''));
    for (;;) {
      await poll();
      const clean = log.replace(controls, '');
      const m = flat.exec(clean);
      if (m) {
        const start = clean.lastIndexOf('\n', m.index) + 1;
        const end = clean.indexOf('\n', m.index + m[0].length);
        return clean.slice(start, end < 0 ? undefined : end);
      }
      if (exit) throw failure(`QEMU stopped before ${what}`);
      if (opts.stallMs !== undefined) {
        const lockup = softLockup.exec(clean);
        const silentMs = Date.now() - lastOutputAt;
        if (lockup || silentMs > opts.stallMs)
          throw new GuestStall(
            failure(
              `the guest stalled while waiting for ${what}: ${lockup ? `the kernel reported "${lockup[0]}"` : `no console output for ${Math.round(silentMs / 1000)} s`}`,
            ).message,
          );
      }
      if (Date.now() > deadline)
        throw failure(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}`);
      await Promise.race([new Promise((r) => setTimeout(r, 250)), exited]);
    }
  }

  let stopping: Promise<void> | undefined;
  function stop(): Promise<void> {
    stopping ??= (async () => {
      if (!exit) {
        child.kill('SIGTERM');
        const killed = await Promise.race([
          exited.then(() => true),
          new Promise<boolean>((r) => setTimeout(() => r(false), 5000)),
        ]);
        if (!killed) {
          child.kill('SIGKILL');
          await exited;
        }
      }
      closed = true;
      await handle.close().catch(() => undefined);
    })();
    return stopping;
  }

  const longestSilenceMs = () => Math.max(longestSilence, Date.now() - lastOutputAt);
  return { waitFor, stop, logTail, longestSilenceMs, pid: child.pid };
}

/**
 * The kernel and initrd QEMU boots directly: `vmlinuz` and `initrd.img` from the image's FAT
 * boot partition (the build puts them there under those names).
 */
export async function extractBootFiles(
  image: string,
  destDir: string,
  // Raspberry Pi OS's names are kernel8.img and initramfs8 (build --base keeps them).
  names: readonly [kernel: string, initrd: string] = ['vmlinuz', 'initrd.img'],
): Promise<{ kernel: string; initrd: string }> {
  const [kernel, initrd] = await extractFatFiles(image, destDir, names);
  return { kernel: kernel, initrd: initrd };
}

/** Files from the image's FAT boot partition, copied into destDir under their own names. */
export async function extractFatFiles(
  image: string,
  destDir: string,
  names: readonly string[],
): Promise<string[]> {
  const table = await readPartitionTable(image);
  const volume: FatVolume = { path: image, offsetBytes: findBootPartition(table).offsetBytes };
  const out: string[] = [];
  for (const name of names) {
    const dest = join(destDir, name);
    out.push(dest);
    const content = await readFat(volume, `/${name}`);
    if (!content?.length)
      throw new Error(`${image}: no ${name} on the boot partition; did the build put it there?`);
    await writeFile(dest, content);
  }
  return out;
}
