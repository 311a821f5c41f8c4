/**
 * Boots an armada image on QEMU's emulated Raspberry Pi 3B (`-M raspi3b`) with only what the image
 * carries: the kernel, initramfs and bcm2837-rpi-3-b.dtb from its FAT partition and its own
 * cmdline.txt, unchanged. The card is an SD card (`if=sd`), which QEMU wants a power of two in
 * size; networking is QEMU's USB network adapter on the Pi's dwc2 USB controller.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Command } from '../../src/exec.js';
import { firstBootFailed, firstBootFinished } from '../../src/firstboot/plan.js';
import { extractFatFiles, startQemu, type Forward, type Vm } from './qemu.js';

export const raspi3bDtb = 'bcm2837-rpi-3-b.dtb';

export interface RaspiBoot {
  image: string;
  kernel: string;
  initrd: string;
  dtb: string;
  /** cmdline.txt as the firmware would pass it. */
  append: string;
  forwards: Forward[];
  serialLog: string;
}

/** What differs between QEMU's Pi boards; the rest of the command line is shared. */
export interface RaspiBoard {
  machine: string;
  /** The one memory size QEMU accepts for the board. */
  memory: string;
  /** `-serial` arguments for the ports QEMU numbers before the console's. */
  serialsBefore: string[];
  /** The network arguments, given the user netdev (restrict=on, with the forwards). */
  net: (netdev: string) => string[];
}

export const raspi3b: RaspiBoard = {
  machine: 'raspi3b',
  memory: '1G',
  // The first UART is the PL011 (Bluetooth on a real Pi); cmdline.txt's console=ttyS1 is the
  // mini UART, QEMU's second serial port.
  serialsBefore: ['-serial', 'null'],
  net: (netdev) => ['-usb', '-device', 'usb-net,netdev=n0', '-netdev', netdev],
};

export function raspiCommand(board: RaspiBoard, o: RaspiBoot): Command {
  const fwd = o.forwards.map((f) => `,hostfwd=tcp:127.0.0.1:${f.host}-:${f.guest}`).join('');
  return [
    'qemu-system-aarch64',
    [
      '-M',
      board.machine,
      '-m',
      board.memory,
      '-display',
      'none',
      '-monitor',
      'none',
      ...board.serialsBefore,
      '-serial',
      `file:${o.serialLog}`,
      '-kernel',
      o.kernel,
      '-initrd',
      o.initrd,
      '-dtb',
      o.dtb,
      '-append',
      o.append,
      '-drive',
      `file=${o.image},format=raw,if=sd`,
      ...board.net(`user,id=n0,restrict=on${fwd}`),
      '-no-reboot',
    ],
  ];
}

export const raspi3bCommand = (o: RaspiBoot): Command => raspiCommand(raspi3b, o);

/** The next power of two ≥ bytes (QEMU's SD card model accepts only those sizes). */
export function sdCardSize(bytes: number): number {
  let size = 1;
  while (size < bytes) size *= 2;
  return size;
}

/**
 * Pads `image` in place to an SD-card size, takes the boot files from its FAT into bootDir and
 * boots it. The command line is cmdline.txt exactly as the card has it.
 */
export async function bootRaspi3b(opts: {
  image: string;
  bootDir: string;
  forwards: Forward[];
  serialLog: string;
}): Promise<Vm> {
  mkdirSync(opts.bootDir, { recursive: true });
  const size = sdCardSize(statSync(opts.image).size);
  execFileSync('truncate', ['-s', String(size), opts.image]);
  const [kernel, initrd, dtb, cmdline] = await extractFatFiles(opts.image, opts.bootDir, [
    'vmlinuz',
    'initrd.img',
    raspi3bDtb,
    'cmdline.txt',
  ]);
  const append = (await readFile(cmdline, 'utf8')).trim();
  const boot: RaspiBoot = {
    image: opts.image,
    kernel: kernel,
    initrd: initrd,
    dtb: dtb,
    append,
    forwards: opts.forwards,
    serialLog: opts.serialLog,
  };
  return startQemu(raspi3bCommand(boot), opts.serialLog, {
    image: boot.image,
    kernel: boot.kernel,
    initrd: boot.initrd,
    dtb: boot.dtb,
  });
}

/** What a Pi's console shows on the way to a login, in order. */
const piMilestones = [
  ['kernel', /Booting Linux on physical CPU/],
  ['sd card partitions', /mmcblk0: p1 p2/],
  ['root mounted', /EXT4-fs \(mmcblk0p2\): mounted filesystem/],
  ['first boot finished', firstBootFinished],
  ['login prompt', / login: /],
] as const;

export type PiMilestone = (typeof piMilestones)[number][0];

/**
 * Waits for each milestone within its own bound (ms after the one before), recording in `marks`
 * when it came (ms after `started`); a first-boot failure ends the wait at once with the console.
 * On any failure the guest is stopped before the error is thrown.
 */
export async function waitForPiLogin(
  vm: Vm,
  o: {
    bounds: Record<PiMilestone, number>;
    stallMs: number;
    started: number;
    marks: Record<string, number>;
  },
): Promise<void> {
  const total = Object.values(o.bounds).reduce((a, b) => a + b, 0);
  const failed = vm.waitFor(firstBootFailed, total, 'first boot failure').then((l) => {
    throw new Error(`first boot failed: ${l}\n${vm.logTail(80)}`);
  });
  try {
    await Promise.race([
      (async () => {
        for (const [name, pattern] of piMilestones) {
          await vm.waitFor(pattern, o.bounds[name], name, { stallMs: o.stallMs });
          o.marks[name] = Date.now() - o.started;
        }
      })(),
      failed,
    ]);
  } catch (e) {
    await vm.stop();
    throw e;
  }
  o.marks['longest console silence'] = vm.longestSilenceMs();
}
