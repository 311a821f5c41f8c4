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

export function raspi3bCommand(o: RaspiBoot): Command {
  const fwd = o.forwards.map((f) => `,hostfwd=tcp:127.0.0.1:${f.host}-:${f.guest}`).join('');
  return [
    'qemu-system-aarch64',
    [
      '-M',
      'raspi3b',
      // The board has 1 GiB; QEMU refuses any other size for raspi3b.
      '-m',
      '1G',
      '-display',
      'none',
      '-monitor',
      'none',
      // The first UART is the PL011 (Bluetooth on a real Pi); cmdline.txt's console=ttyS1 is the
      // mini UART, QEMU's second serial port.
      '-serial',
      'null',
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
      '-usb',
      '-device',
      'usb-net,netdev=n0',
      '-netdev',
      `user,id=n0,restrict=on${fwd}`,
      '-no-reboot',
    ],
  ];
}

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
