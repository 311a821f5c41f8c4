/**
 * The built image on an emulated Raspberry Pi 4B: QEMU 10's `-M raspi4b` (Debian 13's QEMU in a
 * cached chroot, test/helpers/trixie-qemu.ts; the host's 7.2 has no raspi4b), with the card's own
 * kernel, initramfs and cmdline.txt, the card as `-drive if=sd`.
 *
 * How the harness differs from a real Pi 4 (test/helpers/qemu-raspi4b.ts; docs/pi-models.md):
 * - a copy of the card's bcm2711-rpi-4-b.dtb, patched: HDMI ×2 and their I2C, the HDMI interrupt
 *   controller, HVS, the five pixel valves, VEC, TXP, both DSI, V3D and the xHCI disabled
 *   (QEMU does not emulate them; their drivers fault at probe; VEC, DSI and the xHCI are already
 *   disabled in the card's tree); QEMU itself hides PCIe, GENET, RNG and thermal;
 * - the card on the Arasan SDHCI (`/soc/mmc@7e300000`, the Wi-Fi's SDIO slot on a real Pi 4),
 *   made a plain SD slot (no non-removable, no mmc-pwrseq, no wifi@1), and EMMC2 — the real SD
 *   slot — disabled: the real SD path is proven only statically (the build's boot-chain proof);
 * - the mini UART (ttyS1, cmdline.txt's serial console) and the vc4 DRM master (`/gpu`, which
 *   oopses at probe with its display blocks gone) disabled too, and the PL011's `bluetooth` child
 *   removed (it makes ttyAMA0 a serdev bus with no tty to log in on);
 * - `clk_ignore_unused console=ttyAMA0,115200 systemd.default_device_timeout_sec=600` after the
 *   card's cmdline.txt (emulated and on a loaded host, udev once found the boot partition after
 *   systemd's 90 s device wait, and the boot ended in emergency mode);
 * - no firmware (start4.elf, config.txt): QEMU loads the kernel, initramfs and tree itself;
 * - the network is QEMU's usb-net on dwc2's only port (`port=1`; behind the hub QEMU otherwise
 *   puts between, its control transfers failed), user-mode with restrict=on, not GENET.
 * Slow under emulation: every wait is bounded and a stalled guest is booted once more.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeds } from '../helpers/needs.js';
import { builtImage, e2eSkip } from './built-image.js';
import { armada, docker, laptopClientTls, waitForDocker } from './vm.js';
import { suiteTempDir } from '../helpers/tmp.js';
import { freePort, GuestStall, type Vm } from '../helpers/qemu.js';
import { recordEvent, retryOnceAfterStall } from '../helpers/run-events.js';
import { bootRaspi4b } from '../helpers/qemu-raspi4b.js';
import { waitForPiLogin } from '../helpers/qemu-raspi.js';
import { ensureQemuRoot, type QemuRoot } from '../helpers/trixie-qemu.js';
import { firstBootFinished } from '../../src/firstboot/plan.js';
import { sshKeyPair } from '../helpers/tools.js';

const dir = e2eSkip ? '' : await suiteTempDir('armada-e2e-rpi4-');
const env = { ARMADA_CONFIG_DIR: join(dir, 'laptop'), DOCKER_CONFIG: join(dir, 'docker-config') };
const minutes = 60_000;
const fileStarted = Date.now();
/** Silence on the console that means an emulator stall (see test/helpers/qemu.ts). */
const stallMs = 3 * minutes;
/** The QEMU root (~1 min when not cached), two boots (one after a stall) of 21 min, Docker. */
const budgetMs = 10 * minutes + 2 * 21 * minutes + 5 * minutes;

describeNeeds({ root: true }, 'the image on an emulated Raspberry Pi 4B (QEMU 10 raspi4b)', () => {
  let vm: Vm;
  let root: QemuRoot;
  let ports: { docker: number; ssh: number };
  const marks: Record<string, number> = {};
  let attempt = 0;
  let started = 0;
  afterAll(async () => {
    await vm?.stop();
    marks['test file wall'] = Date.now() - fileStarted;
    process.stderr.write(
      `e2e raspi4b: ${Object.entries(marks)
        .map(([k, v]) => `${k} ${Math.round(v / 1000)} s`)
        .join(', ')}\n`,
    );
  });

  beforeAll(async () => {
    const { image } = builtImage();
    const rootStarted = Date.now();
    root = await ensureQemuRoot();
    marks['qemu root'] = Date.now() - rootStarted;
    recordEvent(`guest raspi4b: ${root.version}`);
    sshKeyPair(dir);
    expect(armada(['ca', 'init'], env).status).toBe(0);
    ports = { docker: await freePort(), ssh: await freePort() };
    vm = await retryOnceAfterStall(
      'guest raspi4b',
      (e) => e instanceof GuestStall,
      () => bootSeededCard(image),
    );
    await waitForDocker(vm, ports.docker, laptopClientTls(env), env, 5 * minutes);
    marks['docker over TLS'] = Date.now() - started;
  }, budgetMs);

  /**
   * A fresh seeded copy booted to the login prompt. Each bound is about 3 × what it took here
   * under load (kernel 20 s; card 89 s, root 60 s, first boot 243 s, login 37 s after the one
   * before; Docker 120 s after login: docs/pi-models.md), first boot about 2.5 ×.
   */
  async function bootSeededCard(image: string): Promise<Vm> {
    attempt += 1;
    const card = join(dir, 'card.img');
    execFileSync('cp', ['--sparse=always', image, card]);
    const seeded = armada(
      ['configure', card, '--hostname', 'e2e-rpi4', '--ssh-key', join(dir, 'id.pub')],
      env,
    );
    expect(seeded.status, seeded.stderr).toBe(0);
    started = Date.now();
    const booted = await bootRaspi4b({
      root,
      image: card,
      workDir: dir,
      forwards: [
        { host: ports.docker, guest: 2376 },
        { host: ports.ssh, guest: 22 },
      ],
      // One log per attempt: a stalled boot's console is kept for the report.
      serialLog: join(dir, `serial-${attempt}.log`),
      usbNet: true,
    });
    await waitForPiLogin(booted, {
      bounds: {
        kernel: 1 * minutes,
        'sd card partitions': 5 * minutes,
        'root mounted': 3 * minutes,
        'first boot finished': 10 * minutes,
        'login prompt': 2 * minutes,
      },
      stallMs,
      started,
      marks,
    });
    return booted;
  }

  it('runs Debian 13 QEMU 10 with the Pi 4 device tree', () => {
    expect(root.version).toMatch(/^QEMU emulator version 10\./);
    expect(vm.logTail(100000)).toMatch(/Machine model: Raspberry Pi 4 Model B/);
  });

  it('found its root filesystem by PARTUUID on the SD card (mmcblk0p2)', () => {
    const log = vm.logTail(100000);
    expect(log).toMatch(/Kernel command line: .*root=PARTUUID=[0-9a-f]{8}-02/);
    expect(log).toMatch(/EXT4-fs \(mmcblk0p2\): mounted filesystem/);
    expect(log).toMatch(firstBootFinished);
    expect(log).toMatch(/^e2e-rpi4 login: /m);
  });

  it('lets the seeded key log in over SSH through the USB network', () => {
    const r = spawnSync(
      'ssh',
      [
        ...['-p', String(ports.ssh), '-i', join(dir, 'id'), '-o', 'IdentitiesOnly=yes'],
        ...['-o', 'StrictHostKeyChecking=no', '-o', `UserKnownHostsFile=${join(dir, 'known')}`],
        ...['-o', 'ConnectTimeout=20', '-o', 'BatchMode=yes', 'armada@127.0.0.1'],
        // The board the kernel believes it runs on, the root's source, the NIC's driver.
        'tr -d "\\0" </proc/device-tree/model; echo; findmnt -no SOURCE /; for n in /sys/class/net/*; do [ -e $n/device/driver ] && echo "nic ${n##*/} $(basename $(readlink $n/device/driver))"; done; true',
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.status, `${r.stderr}\n${vm.logTail(30)}`).toBe(0);
    process.stderr.write(`e2e raspi4b: ${r.stdout.trim().replace(/\n/g, '; ')}\n`);
    expect(r.stdout).toMatch(/^Raspberry Pi 4 Model B/m);
    expect(r.stdout).toMatch(/^\/dev\/mmcblk0p2$/m);
    expect(r.stdout).toMatch(/^nic \S+ (cdc_ether|rndis_host|cdc_subset)$/m);
  });

  it('answers Docker over TLS, and refuses a client without a certificate', () => {
    const v = docker(
      ports.docker,
      laptopClientTls(env),
      ['version', '--format', '{{.Server.Os}}/{{.Server.Arch}}'],
      env,
    );
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout.trim()).toBe('linux/arm64');
    expect(docker(ports.docker, 'none', ['version'], env, 60_000).status).not.toBe(0);
  });
});
