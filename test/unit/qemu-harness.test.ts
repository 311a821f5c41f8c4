import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  bootImage,
  extractBootFiles,
  freePort,
  GuestStall,
  qemuCommand,
  tailLines,
  type BootOptions,
  type Vm,
} from '../helpers/qemu.js';
import { suiteTempDir } from '../helpers/tmp.js';
import { missingTools } from '../helpers/tools.js';
import { describeNeeds, toolsReason } from '../helpers/needs.js';

const dir = await suiteTempDir('armada-qemu-');
const vms: Vm[] = [];
afterAll(async () => {
  for (const vm of vms) await vm.stop();
});

const base: BootOptions = {
  image: join(dir, 'card.img'),
  kernel: join(dir, 'vmlinuz'),
  initrd: join(dir, 'initrd.img'),
  append: 'console=ttyAMA0 root=PARTUUID=0badcafe-02 rw rootwait',
  forwards: [
    { host: 40022, guest: 22 },
    { host: 42376, guest: 2376 },
  ],
  serialLog: join(dir, 'serial.log'),
};
for (const f of [base.image, base.kernel, base.initrd]) await writeFile(f, 'not a real file\n');

/**
 * A stand-in for QEMU: writes the given lines to the `-serial file:` path, like a booting
 * guest, then waits to be stopped (or exits with a code, like a QEMU that refused to start).
 */
async function fakeQemu(
  name: string,
  lines: string[],
  then: 'wait' | { exit: number; stderr: string },
  delaySeconds = 0,
): Promise<string> {
  const path = join(dir, name);
  const tail = then === 'wait' ? 'exec sleep 600' : `echo '${then.stderr}' >&2; exit ${then.exit}`;
  await writeFile(
    path,
    [
      '#!/bin/sh',
      'while [ $# -gt 0 ]; do [ "$1" = -serial ] && log=${2#file:}; shift; done',
      ...lines.map(
        (l) => `printf '%s\\r\\n' '${l}' >>"$log"${delaySeconds ? `; sleep ${delaySeconds}` : ''}`,
      ),
      tail,
      '',
    ].join('\n'),
  );
  await chmod(path, 0o755);
  return path;
}

describe('qemuCommand', () => {
  test('virt machine, virtio disk and network, forwards on 127.0.0.1 only, serial to the log', () => {
    const [file, args] = qemuCommand(base);
    expect(file).toBe('qemu-system-aarch64');
    const joined = args.join(' ');
    expect(joined).toContain('-M virt');
    expect(joined).toContain('-cpu cortex-a72');
    expect(joined).toContain('-smp 2 -m 1024');
    expect(joined).toContain(`-serial file:${base.serialLog}`);
    expect(args[args.indexOf('-append') + 1]).toBe(base.append);
    expect(args[args.indexOf('-drive') + 1]).toBe(`file=${base.image},format=raw,if=virtio`);
    expect(args[args.indexOf('-netdev') + 1]).toBe(
      'user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:40022-:22,hostfwd=tcp:127.0.0.1:42376-:2376',
    );
    expect(joined).toContain('-device virtio-net-pci,netdev=n0');
    expect(joined).toContain('-device virtio-rng-pci');
    expect(args).toContain('-no-reboot');
  });

  test('options: memory, cpus, kvm, snapshot, reboot allowed', () => {
    const [, args] = qemuCommand({
      ...base,
      memMb: 2048,
      cpus: 4,
      accel: 'kvm',
      snapshot: true,
      noReboot: false,
    });
    const joined = args.join(' ');
    expect(joined).toContain('-accel kvm -cpu host -smp 4 -m 2048');
    expect(args[args.indexOf('-drive') + 1]).toMatch(/,snapshot=on$/);
    expect(args).not.toContain('-no-reboot');
  });

  test('extra NICs: one netdev and one virtio NIC with its MAC each, after the user NIC', () => {
    const [, args] = qemuCommand({
      ...base,
      nics: [
        { netdev: 'socket,listen=127.0.0.1:40100', mac: '52:54:00:99:00:02' },
        { netdev: 'socket,listen=127.0.0.1:40101', mac: '52:54:00:99:00:03' },
      ],
    });
    const joined = args.join(' ');
    expect(joined).toContain(
      '-device virtio-net-pci,netdev=n0 ' +
        '-netdev socket,listen=127.0.0.1:40100,id=x1 -device virtio-net-pci,netdev=x1,mac=52:54:00:99:00:02 ' +
        '-netdev socket,listen=127.0.0.1:40101,id=x2 -device virtio-net-pci,netdev=x2,mac=52:54:00:99:00:03',
    );
    expect(qemuCommand(base)[1].filter((a) => a === '-netdev')).toHaveLength(1);
  });
});

describe('freePort', () => {
  test('gives a port that can be bound on 127.0.0.1', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    await new Promise<void>((resolve, reject) => {
      const s = createServer().once('error', reject);
      s.listen(port, '127.0.0.1', () => s.close(() => resolve()));
    });
  });
});

describe('bootImage', () => {
  test('a missing kernel is refused before QEMU starts, naming the file', async () => {
    await expect(bootImage({ ...base, kernel: join(dir, 'nope') })).rejects.toThrow(
      /the kernel .*nope does not exist/,
    );
  });

  test('waitFor returns the matching console line', async () => {
    const qemu = await fakeQemu(
      'qemu-boots',
      ['[  1.0] Booting Linux', 'armada: host name: pi-1', 'armada: first boot finished in 42s'],
      'wait',
      0.3,
    );
    const vm = await bootImage({ ...base, qemu });
    vms.push(vm);
    expect(vm.pid).toBeGreaterThan(0);
    await expect(
      vm.waitFor(/first boot finished in (\d+)s/, 10_000, 'the end of first boot'),
    ).resolves.toBe('armada: first boot finished in 42s');
    expect(vm.logTail(2)).toBe('armada: first boot finished in 42s\n');
    await vm.stop();
    await vm.stop(); // idempotent
  });

  test('a timeout names what was awaited and shows the console tail', async () => {
    const lines = Array.from({ length: 80 }, (_, i) => `console line ${i}`);
    const qemu = await fakeQemu('qemu-slow', lines, 'wait');
    const vm = await bootImage({ ...base, qemu });
    vms.push(vm);
    await vm.waitFor(/console line 79/, 20_000, 'the last line');
    const error = await vm.waitFor(/login:/, 600, 'the login prompt').catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toMatch(/^timed out after 1s waiting for the login prompt/);
    expect(message).toContain('QEMU is still running');
    expect(message).toContain('console line 79');
    expect(message).toContain('console line 21');
    expect(message).not.toContain('console line 19\n');
    await vm.stop();
  });

  test('a silent console is a stall once stallMs has passed, not before', async () => {
    const qemu = await fakeQemu(
      'qemu-silent',
      ['[  1.0] Booting Linux', 'systemd[1]: Starting'],
      'wait',
    );
    const vm = await bootImage({ ...base, qemu });
    vms.push(vm);
    await vm.waitFor(/Starting/, 10_000, 'systemd');
    const started = Date.now();
    const error = await vm
      .waitFor(/first boot finished/, 60_000, 'first boot to finish', { stallMs: 1500 })
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(GuestStall);
    expect((error as Error).message).toMatch(
      /^the guest stalled while waiting for first boot to finish: no console output for [12] s/,
    );
    expect((error as Error).message).toContain('systemd[1]: Starting');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(vm.longestSilenceMs()).toBeGreaterThanOrEqual(1500);
    // Without stallMs the same silence is only a timeout.
    await expect(vm.waitFor(/never/, 300, 'nothing')).rejects.not.toBeInstanceOf(GuestStall);
    await vm.stop();
  });

  test('a soft lockup report is a stall at once, even while the console is busy', async () => {
    const qemu = await fakeQemu(
      'qemu-lockup',
      [
        '[576.1] watchdog: BUG: soft lockup - CPU#0 stuck for 48s! [modprobe:312]',
        '[576.2] vli_mmod_fast+0x2c/0x120',
      ],
      'wait',
    );
    const vm = await bootImage({ ...base, qemu });
    vms.push(vm);
    const error = await vm
      .waitFor(/first boot finished/, 60_000, 'first boot to finish', { stallMs: 60_000 })
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(GuestStall);
    expect((error as Error).message).toContain(
      'the kernel reported "soft lockup - CPU#0 stuck for 48s"',
    );
    await vm.stop();
  });

  test('QEMU exiting early fails the wait at once with its own error', async () => {
    const qemu = await fakeQemu('qemu-refuses', ['early line'], {
      exit: 1,
      stderr: 'qemu-system-aarch64: unable to find CPU model',
    });
    const vm = await bootImage({ ...base, qemu });
    vms.push(vm);
    const started = Date.now();
    await expect(vm.waitFor(/login:/, 60_000, 'the login prompt')).rejects.toThrow(
      /QEMU stopped before the login prompt\nQEMU exited with code 1; QEMU said: qemu-system-aarch64: unable to find CPU model/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('a QEMU binary that is not installed is named in the error', async () => {
    const vm = await bootImage({ ...base, qemu: join(dir, 'no-such-qemu') });
    vms.push(vm);
    await expect(vm.waitFor(/login:/, 10_000, 'the login prompt')).rejects.toThrow(
      /no-such-qemu was not found/,
    );
  });

  describeNeeds({ unless: toolsReason('qemu-system-aarch64') }, 'with QEMU installed', () =>
    test('real QEMU with a bad CPU model fails fast with its message', async () => {
      const vm = await bootImage({
        ...base,
        cpu: 'no-such-cpu',
        forwards: [{ host: await freePort(), guest: 22 }],
      });
      vms.push(vm);
      await expect(vm.waitFor(/login:/, 30_000, 'the login prompt')).rejects.toThrow(
        /QEMU exited with code 1; QEMU said: .*no-such-cpu/,
      );
    }),
  );
});

test('tailLines drops carriage returns and escape sequences', () => {
  expect(tailLines('a\r\n\x1b[0;32m  OK  \x1b[0m b\r\nc', 2)).toBe('  OK   b\nc');
});

const haveFatTools = missingTools(['sfdisk', 'mkfs.vfat', 'mcopy']).length === 0;

describeNeeds(
  { unless: haveFatTools ? undefined : 'sfdisk, mkfs.vfat and mcopy are not installed' },
  'extractBootFiles',
  () => {
    const image = join(dir, 'boot.img');
    const kernel = randomBytes(300_000);
    const initrd = randomBytes(200_000);

    /** An MBR image with a FAT p1 (at 1 MiB) holding the given files, like the build makes. */
    async function makeImage(files: Record<string, Buffer>): Promise<void> {
      await writeFile(image, '');
      await truncate(image, 48 << 20);
      execFileSync('sfdisk', ['-q', image], {
        input: 'label: dos\nstart=2048, size=65536, type=c\nstart=67584, type=83\n',
      });
      execFileSync('mkfs.vfat', ['-F', '16', '--offset=2048', image, String(65536 / 2)], {
        stdio: 'ignore',
      });
      const src = join(dir, 'src');
      await mkdir(src, { recursive: true });
      for (const [name, content] of Object.entries(files)) {
        await writeFile(join(src, name), content);
        execFileSync('mcopy', ['-i', `${image}@@${2048 * 512}`, join(src, name), `::/${name}`], {
          env: { ...process.env, MTOOLS_SKIP_CHECK: '1' },
        });
      }
    }

    test('copies vmlinuz and initrd.img from the boot partition', async () => {
      await makeImage({ vmlinuz: kernel, 'initrd.img': initrd });
      const out = join(dir, 'boot-files');
      await mkdir(out, { recursive: true });
      const files = await extractBootFiles(image, out);
      expect(files).toEqual({ kernel: join(out, 'vmlinuz'), initrd: join(out, 'initrd.img') });
      expect((await readFile(files.kernel)).equals(kernel)).toBe(true);
      expect((await readFile(files.initrd)).equals(initrd)).toBe(true);
    });

    test('an image without an initrd says what is missing', async () => {
      await makeImage({ vmlinuz: kernel });
      await expect(extractBootFiles(image, dir)).rejects.toThrow(
        /no initrd\.img on the boot partition/,
      );
    });
  },
);
