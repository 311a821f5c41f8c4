import { expect, test } from 'vitest';
import type { Drive } from '../../../src/flash/drive.js';
import { ejectMethods, powerOffCommand, sysfsDeletePath } from '../../../src/flash/plan-eject.js';

const card: Drive = {
  device: '/dev/sdb',
  rawDevice: '/dev/sdb',
  sizeBytes: 32e9,
  description: 'Generic SD reader',
  bus: 'usb',
  kind: 'disk',
  removable: true,
  readOnly: false,
  system: false,
  mountpoints: [],
  partitions: [],
  members: [],
};
const both = { udisksctl: true, sysfsDelete: true };

test('a card in a USB reader: udisksctl power-off, else the kernel lets go of the SCSI device', () => {
  expect(ejectMethods(card, both)).toEqual(['udisksctl', 'sysfs-delete']);
  expect(ejectMethods(card, { udisksctl: false, sysfsDelete: true })).toEqual(['sysfs-delete']);
  expect(ejectMethods(card, { udisksctl: false, sysfsDelete: false })).toEqual([]);
  expect(powerOffCommand('/dev/sdb')).toEqual([
    'udisksctl',
    ['power-off', '--block-device', '/dev/sdb', '--no-user-interaction'],
  ]);
  expect(sysfsDeletePath('/dev/sdb')).toBe('/sys/block/sdb/device/delete');
});

test('never powered off: loop devices, built-in SD slots, other buses, system disks, image files', () => {
  expect(
    ejectMethods({ ...card, device: '/dev/loop3', kind: 'loop', bus: undefined }, both),
  ).toEqual([]);
  expect(ejectMethods({ ...card, device: '/dev/mmcblk0', bus: 'mmc' }, both)).toEqual([]);
  expect(ejectMethods({ ...card, bus: 'sata' }, both)).toEqual([]);
  expect(ejectMethods({ ...card, system: true }, both)).toEqual([]);
  expect(ejectMethods({ ...card, kind: 'image-file' }, both)).toEqual([]);
});
