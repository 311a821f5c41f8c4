/**
 * The built image on emulated Raspberry Pi 3B hardware (QEMU `-M raspi3b`), with nothing but what
 * the card carries: the kernel, initramfs and bcm2837-rpi-3-b.dtb from its FAT partition, its own
 * cmdline.txt unchanged, the card on the Pi's SD controller and the network on its USB port. This
 * is where a real Pi fails first (device tree, SD controller, USB networking) and `virt` proves none
 * of it. Slow under emulation (login ~3 min, Docker ~4 min on 2 cores): every wait is bounded.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeds } from '../helpers/needs.js';
import { builtImage, e2eSkip } from './built-image.js';
import { armada, docker, waitForDocker, laptopClientTls } from './vm.js';
import { importBusybox, readThroughDocker, type Tls } from './containers.js';
import { suiteTempDir } from '../helpers/tmp.js';
import { freePort, GuestStall, type Vm } from '../helpers/qemu.js';
import { retryOnceAfterStall } from '../helpers/run-events.js';
import { bootRaspi3b, waitForPiLogin } from '../helpers/qemu-raspi.js';
import { sshKeyPair } from '../helpers/tools.js';

const dir = e2eSkip ? '' : await suiteTempDir('armada-e2e-rpi3-');
const env = { ARMADA_CONFIG_DIR: join(dir, 'laptop'), DOCKER_CONFIG: join(dir, 'docker-config') };
const minutes = 60_000;
/** Silence on the console that means an emulator stall (see test/helpers/qemu.ts). */
const stallMs = 3 * minutes;
/** Two boots (one restart after a stall) of 13 minutes at most each, then Docker. */
const budgetMs = 2 * 15 * minutes + 4 * minutes;

describeNeeds({ root: true }, 'the image on an emulated Raspberry Pi 3B', () => {
  let vm: Vm;
  let port: number;
  let tls: Tls;
  const marks: Record<string, number> = {};
  afterAll(async () => {
    await vm?.stop();
    process.stderr.write(
      `e2e raspi3b: ${Object.entries(marks)
        .map(([k, v]) => `${k} ${Math.round(v / 1000)} s`)
        .join(', ')}\n`,
    );
  });

  beforeAll(async () => {
    const { image } = builtImage();
    sshKeyPair(dir);
    expect(armada(['ca', 'init'], env).status).toBe(0);
    port = await freePort();
    vm = await retryOnceAfterStall(
      'guest raspi3b',
      (e) => e instanceof GuestStall,
      () => bootSeededCard(image),
    );
    tls = laptopClientTls(env);
    await waitForDocker(vm, port, tls, env, 4 * minutes);
    marks['docker over TLS'] = Date.now() - started;
  }, budgetMs);

  let started = 0;
  /**
   * A fresh seeded copy booted to the login prompt. Each bound is about 3 × what it takes here
   * (kernel 11 s, partitions 27 s, root 38 s, first boot 160 s, login 182 s, Docker 249 s).
   */
  async function bootSeededCard(image: string): Promise<Vm> {
    const card = join(dir, 'card.img');
    execFileSync('cp', ['--sparse=always', image, card]);
    const seeded = armada(
      ['configure', card, '--hostname', 'e2e-rpi3', '--ssh-key', join(dir, 'id.pub')],
      env,
    );
    expect(seeded.status, seeded.stderr).toBe(0);
    started = Date.now();
    const booted = await bootRaspi3b({
      image: card,
      bootDir: join(dir, 'boot'),
      forwards: [{ host: port, guest: 2376 }],
      serialLog: join(dir, 'serial.log'),
    });
    await waitForPiLogin(booted, {
      bounds: {
        kernel: 1 * minutes,
        'sd card partitions': 2 * minutes,
        'root mounted': 2 * minutes,
        'first boot finished': 6 * minutes,
        'login prompt': 2 * minutes,
      },
      stallMs,
      started,
      marks,
    });
    return booted;
  }

  it('found its root filesystem by PARTUUID on the SD card (mmcblk0p2)', () => {
    const cmdline = vm.logTail(100000);
    expect(cmdline).toMatch(/Kernel command line: .*root=PARTUUID=[0-9a-f]{8}-02/);
    expect(cmdline).toMatch(/EXT4-fs \(mmcblk0p2\): mounted filesystem/);
  });

  it('answers Docker over TLS through the USB network, and runs a container', () => {
    const v = docker(port, tls, ['version', '--format', '{{.Server.Os}}/{{.Server.Arch}}'], env);
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout.trim()).toBe('linux/arm64');
    importBusybox(port, tls, dir, env);
    const model = readThroughDocker(
      port,
      tls,
      { '/sys': '/host-sys', '/proc/device-tree': '/host-dt' },
      // Which driver took QEMU's composite usb-net (cdc_ether, rndis_host or cdc_subset race
      // for it) and which board the kernel believes it runs on.
      'for n in /host-sys/class/net/*; do d=$(/bin/busybox readlink $n/device/driver); echo "nic ${n##*/} ${d##*/}"; done; echo "model $(/bin/busybox cat /host-dt/model)"',
      env,
    );
    process.stderr.write(`e2e raspi3b: ${model.trim().replace(/\n/g, '; ')}\n`);
    expect(model).toMatch(/^model Raspberry Pi 3 Model B/m);
    expect(model).toMatch(/^nic \S+ (cdc_ether|rndis_host|cdc_subset)$/m);
  });

  it('refuses a client without a certificate', () => {
    const none = docker(port, 'none', ['version'], env, 60_000);
    expect(none.status).not.toBe(0);
  });
});
