import { describe, expect, test } from 'vitest';
import { ejectMode } from '../../../src/cli/flash.js';
import type { Drive } from '../../../src/flash/drive.js';
import {
  ejectCommand,
  planEject,
  powerOffCommand,
  sysfsDeletePath,
} from '../../../src/flash/plan-eject.js';
import { UsageError } from '../../../src/errors.js';

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
const all = { eject: true, udisksctl: true, sysfsDelete: true };

const commandsOf = (drive: Drive, mode: Parameters<typeof planEject>[1], tools = all) =>
  planEject(drive, mode, tools).steps.map((s) =>
    s.kind === 'run' ? s.command : ['write', s.path],
  );

describe('a card in a USB reader', () => {
  test('default: util-linux eject on the whole disk, the reader stays', () => {
    expect(ejectCommand('/dev/sdb')).toEqual(['eject', ['/dev/sdb']]);
    const plan = planEject(card, 'eject', all);
    expect(plan.steps).toEqual([
      {
        kind: 'run',
        command: ['eject', ['/dev/sdb']],
        state: 'ejected',
        message: 'ejected: safe to remove (the reader stays; the next card shows up by itself)',
      },
    ]);
    // Never a power-off unless asked: it would take the reader away from the next card.
    expect(commandsOf(card, 'eject').flat(2)).not.toContain('udisksctl');
    expect(plan.otherwise).toEqual({ state: 'attached', message: 'flushed: safe to remove' });
    expect(plan.note).toBeUndefined();
  });

  test('no eject installed: flushed only, with a note naming the package', () => {
    const plan = planEject(card, 'eject', { ...all, eject: false });
    expect(plan.steps).toEqual([]);
    expect(plan.otherwise.message).toBe('flushed: safe to remove');
    expect(plan.note).toMatch(/'eject' is not installed \(apt install eject\).*safe to remove/);
  });

  test('--power-off: udisksctl power-off, else the kernel lets go of the SCSI device', () => {
    expect(powerOffCommand('/dev/sdb')).toEqual([
      'udisksctl',
      ['power-off', '--block-device', '/dev/sdb', '--no-user-interaction'],
    ]);
    expect(sysfsDeletePath('/dev/sdb')).toBe('/sys/block/sdb/device/delete');
    const plan = planEject(card, 'power-off', all);
    expect(plan.steps.map((s) => s.state)).toEqual(['powered-off', 'detached']);
    expect(plan.steps[1]).toMatchObject({
      kind: 'write',
      path: '/sys/block/sdb/device/delete',
      content: '1',
    });
    expect(plan.steps[0].message).toMatch(/reader powered off: safe to remove \(plug it in again/);
    expect(commandsOf(card, 'power-off', { ...all, udisksctl: false })).toEqual([
      ['write', '/sys/block/sdb/device/delete'],
    ]);
    expect(planEject(card, 'power-off', { ...all, udisksctl: false, sysfsDelete: false })).toEqual({
      steps: [],
      otherwise: { state: 'attached', message: 'flushed: safe to remove' },
    });
  });

  test('--no-eject: neither, flushed and left attached', () => {
    expect(planEject(card, 'none', all)).toEqual({
      steps: [],
      otherwise: {
        state: 'attached',
        message: 'flushed and left attached (--no-eject)',
      },
    });
  });
});

describe('nothing to eject: every mode only flushes', () => {
  test.each([
    [
      'a loop device',
      { device: '/dev/loop3', kind: 'loop', bus: undefined },
      'flushed: safe to remove (a loop device: nothing to eject)',
    ],
    [
      'a built-in SD slot',
      { device: '/dev/mmcblk0', bus: 'mmc', removable: false },
      'flushed: safe to remove (a built-in card slot: nothing to eject)',
    ],
    ['a SATA disk', { bus: 'sata' }, 'flushed: safe to remove'],
    ['a system disk on USB', { system: true }, 'flushed: safe to remove'],
  ] as const)('%s', (_name, changes, message) => {
    const drive = { ...card, ...changes } as Drive;
    for (const mode of ['eject', 'power-off'] as const)
      expect(planEject(drive, mode, all)).toEqual({
        steps: [],
        otherwise: { state: 'attached', message },
      });
  });
});

test('flags: --eject by default, --power-off instead, --no-eject neither; both off and on is bad usage', () => {
  expect(ejectMode(true, false)).toBe('eject');
  expect(ejectMode(true, true)).toBe('power-off');
  expect(ejectMode(false, false)).toBe('none');
  expect(() => ejectMode(false, true)).toThrow(UsageError);
  expect(() => ejectMode(false, true)).toThrow(/--power-off would be ignored/);
});
