import { describe, expect, it } from 'vitest';
import {
  drivesHoldingPaths,
  devNumber,
  diskFromSysfsLink,
  withStackedHolders,
} from '../../../src/flash/holders.js';
import { identityMessage, identityProblems } from '../../../src/flash/identity.js';
import { fakeDrive } from '../../helpers/drives.js';
import { normalizeDevice, parseChoice, resolveTargets } from '../../../src/flash/targets.js';
import { parseDfDevice } from '../../../src/flash/platform/darwin.js';
import { deviceError } from '../../../src/flash/writer.js';

const drive = fakeDrive;

const drives = [
  drive('/dev/sda', { system: true, removable: false, mountpoints: ['/', '/home'] }),
  drive('/dev/sdb', { mountpoints: ['/media/a/bootfs'] }),
  drive('/dev/sdc', { sizeBytes: 512e9 }),
  drive('/dev/disk4', { rawDevice: '/dev/rdisk4' }),
];
const policy = {
  imageSizeBytes: 4e9,
  sourceDevices: ['/dev/sda'],
  allowVirtual: false,
  allowLarge: false,
};

describe('resolveTargets', () => {
  it('accepts safe drives, by path or bare name, once each', () => {
    const r = resolveTargets(['sdb', '/dev/sdb', '/dev/rdisk4'], drives, policy);
    expect(r).toEqual({ ok: true, targets: [{ drive: drives[1] }, { drive: drives[3] }] });
  });

  it('marks drives that need an extra yes', () => {
    const r = resolveTargets(['/dev/sdc'], drives, policy);
    expect(r.ok && r.targets[0].confirm).toMatch(/larger than any usual SD card/);
  });

  it('collects every problem: unknown drive, partition, refusal', () => {
    const r = resolveTargets(['/dev/sdz', '/dev/sdb1', '/dev/sda', '/dev/sdb'], drives, policy);
    expect(r).toEqual({
      ok: false,
      problems: [
        "/dev/sdz: no such drive; 'armada drives' lists the drives armada sees",
        '/dev/sdb1 is a partition; name the whole card, /dev/sdb',
        expect.stringMatching(
          /^\/dev\/sda refused: it is a system drive .*; it holds the image file or armada itself; it is in use by the running system \(mounted at \/, \/home\)$/,
        ),
      ],
    });
  });

  it('normalizes device names', () => {
    expect(normalizeDevice('mmcblk0')).toBe('/dev/mmcblk0');
    expect(normalizeDevice('/dev/rdisk12')).toBe('/dev/disk12');
  });
});

describe('parseChoice', () => {
  it.each([
    ['1', 3, [0]],
    ['3 1', 3, [2, 0]],
    ['1,2,2', 3, [0, 1]],
    ['4', 3, undefined],
    ['0', 3, undefined],
    ['x', 3, undefined],
    ['', 3, undefined],
  ])('%j of %i → %j', (answer, count, expected) => {
    expect(parseChoice(answer, count)).toEqual(expected);
  });
});

describe('which drives hold the image or armada', () => {
  it('takes the longest mount point that contains the path', () => {
    const withMounts = [
      drive('/dev/sda', { mountpoints: ['/', '/boot/efi'] }),
      drive('/dev/sdb', { mountpoints: ['/media/alice/stick'] }),
    ];
    expect(drivesHoldingPaths(['/media/alice/stick/pi.img'], withMounts)).toEqual(['/dev/sdb']);
    expect(drivesHoldingPaths(['/home/alice/pi.img', '/usr/bin/node'], withMounts)).toEqual([
      '/dev/sda',
    ]);
    expect(drivesHoldingPaths(['/media/alice/sticker/pi.img'], withMounts)).toEqual(['/dev/sda']);
    expect(drivesHoldingPaths(['/x'], [drive('/dev/sdb', { mountpoints: ['[SWAP]'] })])).toEqual(
      [],
    );
  });

  it('reads sysfs links and device numbers', () => {
    expect(
      diskFromSysfsLink(
        '../../devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host4/target4:0:0/4:0:0:0/block/sdb/sdb1',
      ),
    ).toBe('sdb');
    expect(diskFromSysfsLink('../../devices/virtual/block/dm-0')).toBe('dm-0');
    expect(diskFromSysfsLink('../../devices/platform/mmc/mmc0:0001/block/mmcblk0/mmcblk0p2')).toBe(
      'mmcblk0',
    );
    expect(devNumber(65024n)).toBe('254:0');
    expect(devNumber(0x10302n)).toBe('259:2'); // nvme0n1p2-style major above 255
    expect(devNumber(2065n)).toBe('8:17');
    expect(devNumber(1114924n)).toBe('259:300'); // minor above 255
  });

  it('reads the device from df -P (macOS)', () => {
    expect(
      parseDfDevice(
        'Filesystem 512-blocks Used Available Capacity Mounted on\n/dev/disk3s5 965595304 394232056 571363248 41% /System/Volumes/Data\n',
      ),
    ).toBe('/dev/disk3s5');
    expect(
      parseDfDevice(
        'Filesystem 512-blocks Used Available Capacity Mounted on\nmap auto_home 0 0 0 100% /System/Volumes/Data/home\n',
      ),
    ).toBeUndefined();
  });
});

describe('deviceError', () => {
  const error = (code: string) => Object.assign(new Error('x'), { code });
  const failed = /the card or its reader failed; remove the card and try another card or reader/;

  it.each([
    // Opening: permissions, a busy or locked card.
    ['open', 'EACCES', false, /cannot open \/dev\/sdb: permission denied; run it again with sudo/],
    ['open', 'EPERM', false, /cannot open \/dev\/sdb: permission denied; run it again with sudo/],
    ['open', 'EBUSY', true, /\/dev\/sdb is busy; unmount its partitions/],
    ['open', 'EROFS', true, /read-only; check the card’s lock switch/],
    ['open', 'ENXIO', true, /\/dev\/sdb disappeared; was the card removed\?/],
    // Half way: the card failed, whatever errno it chose to say so.
    [
      'write',
      'EIO',
      true,
      /cannot write \/dev\/sdb at 1\.0 MB \(EIO\); the card or its reader failed/,
    ],
    [
      'write',
      'ENOSPC',
      true,
      /cannot write \/dev\/sdb at 1\.0 MB \(ENOSPC\); the card or its reader failed/,
    ],
    [
      'write',
      'EPERM',
      true,
      /cannot write \/dev\/sdb at 1\.0 MB \(EPERM\): the card turned read-only/,
    ],
    [
      'write',
      'EACCES',
      false,
      /cannot write \/dev\/sdb at 1\.0 MB \(EACCES\): the card turned read-only/,
    ],
    [
      'write',
      'EROFS',
      true,
      /cannot write \/dev\/sdb at 1\.0 MB \(EROFS\): the card turned read-only/,
    ],
    [
      'write',
      'ENXIO',
      true,
      /\/dev\/sdb disappeared at 1\.0 MB \(ENXIO\); if the card was not removed/,
    ],
    [
      'flush',
      'EIO',
      true,
      /cannot flush \/dev\/sdb at 1\.0 MB \(EIO\); the card or its reader failed/,
    ],
    [
      'read back',
      'EIO',
      true,
      /cannot read back \/dev\/sdb at 1\.0 MB \(EIO\); the card or its reader failed/,
    ],
  ] as const)('%s %s (root: %s)', (action, code, root, pattern) => {
    expect(
      deviceError('/dev/sdb', action, action === 'open' ? undefined : 1e6, error(code), root)
        .message,
    ).toMatch(pattern);
  });

  it('mid-write errors name the card as failed and never suggest sudo', () => {
    for (const code of ['EIO', 'ENOSPC', 'EROFS', 'EPERM', 'EACCES', 'ENXIO', 'ENODEV'])
      for (const root of [true, false]) {
        const message = deviceError('/dev/sdb', 'write', 1e6, error(code), root).message;
        expect(message, code).not.toMatch(/sudo/);
        expect(message, code).toMatch(failed);
      }
  });

  it('permission denied at open: sudo only for a user who is not root', () => {
    for (const code of ['EACCES', 'EPERM']) {
      expect(deviceError('/dev/sdb', 'open', undefined, error(code), false).message).toMatch(
        /run it again with sudo/,
      );
      const asRoot = deviceError('/dev/sdb', 'open', undefined, error(code), true).message;
      expect(asRoot).not.toMatch(/sudo/);
      expect(asRoot).toMatch(
        new RegExp(
          `cannot open /dev/sdb: ${code} even as root; check that the card is not read-only`,
        ),
      );
    }
  });
});

describe('withStackedHolders', () => {
  const card = drive('/dev/sdb', { partitions: ['/dev/sdb1', '/dev/sdb2'] });
  const other = drive('/dev/sdc');
  const loop = (device: string, mountpoints: string[] = []) =>
    drive(device, { kind: 'loop', bus: 'virtual', mountpoints });

  it('charges a loop device over the card, or over one of its partitions, to the card', () => {
    const out = withStackedHolders(
      [card, other, loop('/dev/loop1', ['/tmp/a']), loop('/dev/loop2', ['/mnt/b'])],
      new Map([
        ['/dev/loop1', '/dev/sdb'],
        ['/dev/loop2', '/dev/sdb2'],
      ]),
    );
    expect(out[0].holders).toEqual([
      { device: '/dev/loop1', mountpoints: ['/tmp/a'] },
      { device: '/dev/loop2', mountpoints: ['/mnt/b'] },
    ]);
    expect(out[1].holders).toBeUndefined();
  });

  it('follows loop devices stacked on loop devices, and ignores loops over plain files', () => {
    const out = withStackedHolders(
      [card, loop('/dev/loop1'), loop('/dev/loop2', ['/srv/deep']), loop('/dev/loop3', ['/x'])],
      new Map([
        ['/dev/loop1', '/dev/sdb1'],
        ['/dev/loop2', '/dev/loop1'],
        ['/dev/loop3', '/home/me/pi.img'],
      ]),
    );
    expect(out[0].holders).toEqual([{ device: '/dev/loop1', mountpoints: ['/srv/deep'] }]);
    expect(out[1].holders).toEqual([{ device: '/dev/loop2', mountpoints: ['/srv/deep'] }]);
  });

  it('survives a loop over itself (cycle)', () => {
    const out = withStackedHolders([loop('/dev/loop1')], new Map([['/dev/loop1', '/dev/loop1']]));
    expect(out[0].holders).toBeUndefined();
  });
});

describe('identityProblems (time of check vs time of use)', () => {
  const checked = drive('/dev/sdb', { devNumber: '8:16', serial: 'AA11', sizeBytes: 32e9 });

  it('accepts the same device', () => {
    expect(
      identityProblems(checked, { devNumber: '8:16', sizeBytes: 32e9, serial: 'AA11' }),
    ).toEqual([]);
  });

  it('names every difference: device number, size, serial', () => {
    expect(
      identityProblems(checked, { devNumber: '8:32', sizeBytes: 64e9, serial: 'BB22' }),
    ).toEqual([
      'it is now device 8:32, was 8:16',
      'its size is now 64.0 GB, was 32.0 GB',
      "its serial number is now 'BB22', was 'AA11'",
    ]);
  });

  it('a card swapped for another of the same size is caught by its serial', () => {
    expect(
      identityProblems(checked, { devNumber: '8:16', sizeBytes: 32e9, serial: 'CC33' }),
    ).toEqual(["its serial number is now 'CC33', was 'AA11'"]);
  });

  it('compares only what is known on both sides', () => {
    expect(identityProblems(drive('/dev/disk4'), { sizeBytes: 32e9 })).toEqual([]);
  });

  it('says what to do', () => {
    expect(identityMessage('/dev/sdb', ['x'])).toMatch(
      /^\/dev\/sdb changed after it was checked \(x\); was the card swapped\? Nothing was written/,
    );
  });
});
