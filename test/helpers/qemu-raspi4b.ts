/**
 * Boots an armada image on QEMU 10's emulated Raspberry Pi 4B (`-M raspi4b`, from Debian 13's QEMU
 * in a chroot: trixie-qemu.ts) with the card's own kernel, initramfs and cmdline.txt and a copy of
 * its own bcm2711-rpi-4-b.dtb patched for what QEMU does not emulate. Every difference from a real
 * Pi 4 is here, as data, and in docs/pi-models.md; none of it touches the card:
 *
 * - Device-tree nodes set `status = "disabled"` (raspi4bDisabledNodes): blocks QEMU does not
 *   emulate whose drivers fault at probe (HDMI, its I2C and interrupt controller, HVS, pixel
 *   valves, VEC, TXP, DSI, V3D, the xHCI). QEMU itself already hides PCIe, GENET, RNG, thermal.
 * - The card sits on the Arasan SDHCI (`/soc/mmc@7e300000`, the Wi-Fi's SDIO slot on a real Pi 4),
 *   where QEMU attaches `-drive if=sd`: that node is made a plain SD slot (no `non-removable`, no
 *   `mmc-pwrseq`, no `wifi@1` child: the power sequence needs the firmware's GPIO expander, which
 *   QEMU does not answer), and EMMC2 (`/emmc2bus/mmc@7e340000`, the real Pi 4's SD slot) disabled.
 *   The real SD path (EMMC2, sdhci-iproc and its regulators) is proven statically by every build's
 *   boot-chain proof instead.
 * - Also disabled: the mini UART (ttyS1: its IRQ set-up soft-locks) and the vc4 DRM master
 *   (`/gpu`: it oopses at probe once its display blocks are gone); removed: the PL011's
 *   `bluetooth` child (it makes ttyAMA0 a serdev bus, with no tty for the console's login).
 * - Kernel parameters added after cmdline.txt: `clk_ignore_unused` (clk_disable_unused faults on
 *   clocks QEMU does not model), `console=ttyAMA0,115200`, the PL011 (QEMU's first serial port;
 *   cmdline.txt's ttyS1 is the mini UART), and a longer systemd device wait (raspi4bKernelArgs).
 * - The network, when asked for, is QEMU's usb-net on the dwc2 controller's only port.
 * - The firmware (start4.elf, config.txt) does not run: QEMU loads kernel, initramfs and tree.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../../src/exec.js';
import { parseFdt, walkFdt } from '../../src/image/fdt.js';
import { extractFatFiles, startQemu, type Forward, type Vm } from './qemu.js';
import { raspiCommand, sdCardSize, type RaspiBoot } from './qemu-raspi.js';
import { inChroot, type QemuRoot } from './trixie-qemu.js';

export const raspi4bDtb = 'bcm2711-rpi-4-b.dtb';

/** The Arasan SDHCI QEMU puts the `if=sd` card on. */
export const arasanSdhci = '/soc/mmc@7e300000';
/** The real Pi 4's SD slot, which QEMU leaves empty. */
export const emmc2 = '/emmc2bus/mmc@7e340000';

/** The PL011 (ttyAMA0), QEMU's first serial port; Bluetooth's UART on a real Pi 4. */
export const pl011 = '/soc/serial@7e201000';

/** The mini UART (ttyS1, cmdline.txt's console): its IRQ set-up soft-locks under QEMU. */
export const miniUart = '/soc/serial@7e215040';

/** Nodes the harness disables; the five pixel valves are found in the tree. */
export function raspi4bDisabledNodes(dtb: Buffer): string[] {
  const pixelValves = [...walkFdt(parseFdt(dtb))]
    .filter((n) => n.path.startsWith('/soc/pixelvalve@'))
    .map((n) => n.path);
  return [
    '/soc/interrupt-controller@7ef00100',
    '/soc/hdmi@7ef00700',
    '/soc/i2c@7ef04500',
    '/soc/hdmi@7ef05700',
    '/soc/i2c@7ef09500',
    '/soc/hvs@7e400000',
    ...pixelValves,
    '/soc/vec@7ec13000',
    '/soc/txp@7e004000',
    '/soc/dsi@7e209000',
    '/soc/dsi@7e700000',
    '/scb/usb@7e9c0000',
    '/scb/gpu@7ec00000',
    // The vc4 DRM master: with its display blocks disabled it oopses at probe (a NULL component
    // match in component_master_add_with_match) inside a udev worker.
    '/gpu',
    emmc2,
    miniUart,
  ];
}

/** The fdtput edits that make `dtb` (a copy of the card's tree) the harness's, as data. */
export function raspi4bDtbEdits(dtb: string, tree: Buffer): Command[] {
  return [
    ...raspi4bDisabledNodes(tree).map((node): Command => [
      'fdtput',
      ['-t', 's', dtb, node, 'status', 'disabled'],
    ]),
    ['fdtput', ['-d', dtb, arasanSdhci, 'non-removable']],
    ['fdtput', ['-d', dtb, arasanSdhci, 'mmc-pwrseq']],
    ['fdtput', ['-r', dtb, `${arasanSdhci}/wifi@1`]],
    // The PL011's Bluetooth child makes the port a serdev bus, not a tty: no ttyAMA0 to log in on.
    ['fdtput', ['-r', dtb, `${pl011}/bluetooth`]],
  ];
}

/**
 * Kernel parameters the harness adds after the card's cmdline.txt. Emulated, the Pi 4 is so slow
 * on a loaded 2-core host that udev found the boot partition after systemd's 90 s device wait and
 * the boot ended in emergency mode; a real Pi finds it in seconds.
 */
export const raspi4bKernelArgs = [
  'clk_ignore_unused',
  'console=ttyAMA0,115200',
  'systemd.default_device_timeout_sec=600',
];

export interface Raspi4bBoot extends RaspiBoot {
  /** `-device usb-net` on the dwc2 port with user networking (restrict=on). */
  usbNet: boolean;
}

export function raspi4bCommand(o: Raspi4bBoot): Command {
  return raspiCommand(
    {
      machine: 'raspi4b',
      memory: '2G',
      // The first serial port is the PL011 (ttyAMA0), the console the harness adds.
      serialsBefore: [],
      net: (netdev) =>
        o.usbNet
          ? // port=1: on the controller's only port itself; without it QEMU puts a hub between.
            ['-device', 'usb-net,netdev=n0,port=1', '-netdev', netdev]
          : ['-nic', 'none'],
    },
    o,
  );
}

/**
 * Pads `image` in place to an SD-card size, takes the boot files from its FAT into workDir (which
 * must hold the image and the serial log too: QEMU sees it as /mnt in its chroot), patches a copy
 * of the tree and boots. The command line is cmdline.txt as the card has it plus raspi4bKernelArgs.
 */
export async function bootRaspi4b(opts: {
  root: QemuRoot;
  image: string;
  workDir: string;
  forwards: Forward[];
  serialLog: string;
  usbNet: boolean;
}): Promise<Vm> {
  const boot = join(opts.workDir, 'boot');
  mkdirSync(boot, { recursive: true });
  execFileSync('truncate', ['-s', String(sdCardSize(statSync(opts.image).size)), opts.image]);
  const [kernel, initrd, cardDtb, cmdline] = await extractFatFiles(opts.image, boot, [
    'vmlinuz',
    'initrd.img',
    raspi4bDtb,
    'cmdline.txt',
  ]);
  const dtb = join(boot, 'harness-bcm2711-rpi-4-b.dtb');
  copyFileSync(cardDtb, dtb);
  for (const [file, args] of raspi4bDtbEdits(dtb, readFileSync(cardDtb)))
    execFileSync(file, [...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const append = [readFileSync(cmdline, 'utf8').trim(), ...raspi4bKernelArgs].join(' ');
  const command = raspi4bCommand({
    image: opts.image,
    kernel,
    initrd,
    dtb,
    append,
    forwards: opts.forwards,
    serialLog: opts.serialLog,
    usbNet: opts.usbNet,
  });
  return startQemu(inChroot(opts.root, opts.workDir, command), opts.serialLog, {
    image: opts.image,
    kernel,
    initrd,
    dtb,
  });
}
