/**
 * The raspi4b harness as data: the device-tree edits, the QEMU command and its chroot wrapper
 * (test/helpers/qemu-raspi4b.ts, test/helpers/trixie-qemu.ts). The edits are applied with fdtput
 * to a small tree of the Pi 4's shape when fdtput is installed.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { nodeAt, parseFdt, propString } from '../../src/image/fdt.js';
import { buildFdt, type NodeSpec } from '../helpers/fdt-builder.js';
import { describeNeeds, toolsReason } from '../helpers/needs.js';
import {
  arasanSdhci,
  emmc2,
  raspi4bCommand,
  raspi4bDisabledNodes,
  raspi4bDtbEdits,
} from '../helpers/qemu-raspi4b.js';
import { suiteTempDir } from '../helpers/tmp.js';
import { inChroot, qemuRootBootstrap, qemuRootKey } from '../helpers/trixie-qemu.js';

const okay = (props: NodeSpec['props'] = {}, children?: NodeSpec['children']): NodeSpec => ({
  props: { status: 'okay', ...props },
  ...(children ? { children } : {}),
});

/** Every node the harness touches, in the Pi 4 tree's places. */
function pi4Tree(): Buffer {
  const soc: Record<string, NodeSpec> = {};
  for (const n of [
    'interrupt-controller@7ef00100',
    'hdmi@7ef00700',
    'i2c@7ef04500',
    'hdmi@7ef05700',
    'i2c@7ef09500',
    'hvs@7e400000',
    'vec@7ec13000',
    'txp@7e004000',
    'dsi@7e209000',
    'dsi@7e700000',
    'serial@7e215040',
    'pixelvalve@7e206000',
    'pixelvalve@7ec12000',
  ])
    soc[n] = okay();
  soc['serial@7e201000'] = okay({}, { bluetooth: okay({ compatible: 'brcm,bcm43438-bt' }) });
  soc['mmc@7e300000'] = okay({ 'non-removable': true, 'mmc-pwrseq': [7] }, { 'wifi@1': {} });
  return buildFdt({
    children: {
      soc: { children: soc },
      scb: { children: { 'usb@7e9c0000': okay(), 'gpu@7ec00000': okay() } },
      gpu: okay({ compatible: 'brcm,bcm2711-vc5' }),
      emmc2bus: { children: { 'mmc@7e340000': okay() } },
    },
  });
}

describe('the raspi4b harness', () => {
  test('disables the display blocks, the pixel valves found in the tree, EMMC2 and the mini UART', () => {
    const nodes = raspi4bDisabledNodes(pi4Tree());
    expect(nodes).toContain('/soc/pixelvalve@7e206000');
    expect(nodes).toContain('/soc/pixelvalve@7ec12000');
    expect(nodes).toContain(emmc2);
    expect(nodes).toContain('/gpu');
    expect(nodes).toContain('/soc/serial@7e215040');
    expect(nodes).not.toContain(arasanSdhci);
  });

  test('boots raspi4b with the card on if=sd and usb-net on the controller port, restricted', () => {
    const [file, args] = raspi4bCommand({
      image: '/w/card.img',
      kernel: '/w/boot/vmlinuz',
      initrd: '/w/boot/initrd.img',
      dtb: '/w/boot/harness.dtb',
      append: 'root=PARTUUID=1-02 clk_ignore_unused',
      forwards: [{ host: 4000, guest: 2376 }],
      serialLog: '/w/serial.log',
      usbNet: true,
    });
    expect(file).toBe('qemu-system-aarch64');
    expect(args.join(' ')).toContain('-M raspi4b -m 2G');
    expect(args).toContain('file=/w/card.img,format=raw,if=sd');
    expect(args).toContain('usb-net,netdev=n0,port=1');
    expect(args).toContain('user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:4000-:2376');
  });

  test('runs QEMU chrooted in its own mount namespace, the work dir seen as /mnt', () => {
    const [file, args] = inChroot({ rootfs: '/cache/root', version: '' }, '/w', [
      'qemu-system-aarch64',
      ['-kernel', '/w/boot/vmlinuz', '-drive', 'file=/w/card.img,if=sd'],
    ]);
    expect(file).toBe('unshare');
    expect(args.slice(0, 3)).toEqual(['--mount', '--propagation', 'private']);
    expect(args.slice(-6)).toEqual([
      '/w',
      'qemu-system-aarch64',
      '-kernel',
      '/mnt/boot/vmlinuz',
      '-drive',
      'file=/mnt/card.img,if=sd',
    ]);
  });

  test('keys the QEMU root by its content, and leaves the mirror to mmdebstrap', () => {
    expect(qemuRootKey('amd64')).toBe(qemuRootKey('amd64'));
    expect(qemuRootKey('amd64')).not.toBe(qemuRootKey('arm64'));
    const [, args] = qemuRootBootstrap('amd64', '/t');
    expect(args).toContain('--include=qemu-system-arm');
    expect(args.slice(-2)).toEqual(['trixie', '/t']);
    expect(args.join(' ')).not.toMatch(/:\/\//);
  });
});

describeNeeds({ unless: toolsReason('fdtput') }, 'the raspi4b tree edits, applied', () => {
  test('leave the Arasan a plain SD slot and the PL011 a tty', async () => {
    const dir = await suiteTempDir('armada-raspi4b-dtb-');
    const dtb = join(dir, 'pi4.dtb');
    const tree = pi4Tree();
    writeFileSync(dtb, tree);
    for (const [file, args] of raspi4bDtbEdits(dtb, tree)) execFileSync(file, [...args]);
    const root = parseFdt(readFileSync(dtb));
    for (const path of raspi4bDisabledNodes(tree))
      expect([path, propString(nodeAt(root, path)!, 'status')]).toEqual([path, 'disabled']);
    const arasan = nodeAt(root, arasanSdhci)!;
    expect(propString(arasan, 'status')).toBe('okay');
    expect([...arasan.props.keys()]).not.toContain('non-removable');
    expect([...arasan.props.keys()]).not.toContain('mmc-pwrseq');
    expect(arasan.children).toEqual([]);
    expect(nodeAt(root, '/soc/serial@7e201000')!.children).toEqual([]);
  });
});
