import { describe, expect, it } from 'vitest';
import type { Drive } from '../../../src/flash/drive.js';
import { fakeDrive } from '../../helpers/drives.js';
import {
  defaultLargeBytes,
  isSafeTarget as isSafeTargetApi,
  isSystemMountpoint,
  type SafetyPolicy,
} from '../../../src/flash/safety.js';
import { asCli } from '../../helpers/as-cli.js';

const isSafeTarget = asCli(isSafeTargetApi);

const card = fakeDrive('/dev/sdb', {
  sizeBytes: 31_914_983_424,
  description: 'Generic STORAGE DEVICE',
});

const policy: SafetyPolicy = {
  imageSizeBytes: 2_000_000_000,
  sourceDevices: ['/dev/nvme0n1'],
  allowVirtual: false,
  allowLarge: false,
};

const GiB = 1024 ** 3;

describe('isSafeTarget: a plain card is fine', () => {
  it('accepts an unmounted removable card bigger than the image', () => {
    expect(isSafeTarget(card, policy)).toEqual({ ok: true });
  });

  it.each(['/media/alice/bootfs', '/run/media/alice/rootfs', '/mnt/card', '/Volumes/bootfs'])(
    'accepts a card mounted at %s (it will be unmounted)',
    (mp) => {
      expect(isSafeTarget({ ...card, mountpoints: [mp] }, policy)).toEqual({ ok: true });
    },
  );

  it('accepts a card when the image size is not known yet', () => {
    expect(isSafeTarget(card, { ...policy, imageSizeBytes: undefined })).toEqual({ ok: true });
  });

  it('accepts a card exactly the size of the image', () => {
    expect(isSafeTarget(card, { ...policy, imageSizeBytes: card.sizeBytes })).toEqual({ ok: true });
  });
});

describe('isSafeTarget: refusals, each with its reason', () => {
  const cases: [string, Partial<Drive>, Partial<SafetyPolicy>, RegExp][] = [
    ['a system drive', { system: true, removable: false }, {}, /system drive/],
    [
      'an internal eMMC, even with --dangerously-allow-any-bus',
      { system: true, removable: false, bus: 'mmc', description: 'internal eMMC' },
      { allowAnyBus: true },
      /^it is a system drive \(internal eMMC storage, not an SD card\)$/,
    ],
    [
      'the drive holding the image or armada',
      { device: '/dev/nvme0n1' },
      {},
      /holds the image file or armada/,
    ],
    ['a read-only drive', { readOnly: true }, {}, /read-only .*lock switch/],
    [
      'a drive smaller than the image',
      { sizeBytes: 1_000_000_000 },
      {},
      /smaller than the image \(1\.0 GB < 2\.0 GB\)/,
    ],
    ['an empty reader', { sizeBytes: 0 }, {}, /no medium/],
    ['a drive mounted at /', { mountpoints: ['/'] }, {}, /mounted at \//],
    ['a drive holding /boot/efi', { mountpoints: ['/boot/efi'] }, {}, /mounted at \/boot\/efi/],
    [
      'a drive holding /boot/firmware (a Pi running armada)',
      { mountpoints: ['/boot/firmware'] },
      {},
      /\/boot\/firmware/,
    ],
    ['a drive holding /usr', { mountpoints: ['/usr'] }, {}, /\/usr/],
    [
      'a drive holding /var/lib/docker',
      { mountpoints: ['/var/lib/docker'] },
      {},
      /\/var\/lib\/docker/,
    ],
    ['a drive holding /home', { mountpoints: ['/home'] }, {}, /\/home/],
    ['a drive with active swap', { mountpoints: ['[SWAP]'] }, {}, /\[SWAP\]/],
    [
      'a Mac system volume',
      { mountpoints: ['/System/Volumes/Data'] },
      {},
      /\/System\/Volumes\/Data/,
    ],
    ['zram', { kind: 'zram' }, {}, /zram/],
    ['a RAID array', { kind: 'raid' }, {}, /RAID array/],
    ['a RAID member', { members: ['linux_raid_member'] }, {}, /part of a RAID/],
    ['an LVM physical volume', { members: ['LVM2_member'] }, {}, /LVM/],
    ['a LUKS volume', { members: ['crypto_LUKS'] }, {}, /LUKS/],
    ['a device-mapper volume', { kind: 'device-mapper' }, {}, /device-mapper/],
    ['an optical drive', { kind: 'rom' }, {}, /optical/],
    [
      'a loop device without --allow-virtual',
      { kind: 'loop' },
      {},
      /virtual device \(loop\); pass --allow-virtual/,
    ],
    ['an nbd device without --allow-virtual', { kind: 'nbd' }, {}, /virtual device \(nbd\)/],
    [
      'a Mac disk image without --allow-virtual',
      { kind: 'disk-image' },
      {},
      /virtual device \(disk-image\)/,
    ],
  ];

  it.each(cases)('refuses %s', (_name, drive, extra, reason) => {
    const verdict = isSafeTarget({ ...card, ...drive }, { ...policy, ...extra });
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.reasons.join('\n')).toMatch(reason);
  });

  it('lists every reason at once', () => {
    const verdict = isSafeTarget(
      { ...card, system: true, readOnly: true, mountpoints: ['/', '[SWAP]'], sizeBytes: 10 },
      policy,
    );
    expect(verdict).toEqual({
      ok: false,
      reasons: [
        'it is a system drive (internal and not removable)',
        'it is in use by the running system (mounted at /, [SWAP])',
        'it is read-only (check the card’s lock switch)',
        'it is smaller than the image (10 B < 2.0 GB); use a bigger card',
      ],
    });
  });

  it('--allow-virtual allows loop devices but nothing else', () => {
    const loop = { ...card, kind: 'loop' as const, device: '/dev/loop3', removable: false };
    expect(isSafeTarget(loop, { ...policy, allowVirtual: true })).toEqual({ ok: true });
    expect(isSafeTarget({ ...loop, readOnly: true }, { ...policy, allowVirtual: true }).ok).toBe(
      false,
    );
    expect(isSafeTarget({ ...card, kind: 'zram' }, { ...policy, allowVirtual: true }).ok).toBe(
      false,
    );
    expect(isSafeTarget({ ...card, system: true }, { ...policy, allowVirtual: true }).ok).toBe(
      false,
    );
  });

  it('--allow-large does not override a refusal', () => {
    expect(
      isSafeTarget({ ...card, sizeBytes: 512 * GiB, system: true }, { ...policy, allowLarge: true })
        .ok,
    ).toBe(false);
  });
});

describe('isSafeTarget: large drives need confirmation', () => {
  it('asks about a drive over 128 GiB', () => {
    const verdict = isSafeTarget({ ...card, sizeBytes: 256_060_514_304 }, policy);
    expect(verdict).toMatchObject({
      ok: true,
      needsConfirmation: expect.stringMatching(/256\.1 GB.*--allow-large/),
    });
  });

  it('does not ask about a card sold as 128 GB (a little over 128e9 bytes)', () => {
    expect(isSafeTarget({ ...card, sizeBytes: 128_043_712_512 }, policy)).toEqual({ ok: true });
  });

  it('the threshold is exclusive and configurable', () => {
    expect(isSafeTarget({ ...card, sizeBytes: defaultLargeBytes }, policy)).toEqual({ ok: true });
    expect(isSafeTarget({ ...card, sizeBytes: defaultLargeBytes + 1 }, policy).ok).toBe(true);
    expect(isSafeTarget({ ...card, sizeBytes: defaultLargeBytes + 1 }, policy)).toHaveProperty(
      'needsConfirmation',
    );
    expect(
      isSafeTarget({ ...card, sizeBytes: 40 * GiB }, { ...policy, largeBytes: 32 * GiB }),
    ).toHaveProperty('needsConfirmation');
  });

  it('--allow-large skips the question', () => {
    expect(
      isSafeTarget({ ...card, sizeBytes: 512 * GiB }, { ...policy, allowLarge: true }),
    ).toEqual({ ok: true });
  });
});

describe('isSystemMountpoint', () => {
  it.each([
    ['/', true],
    ['/boot', true],
    ['/usr/local', true],
    ['/var', true],
    ['[SWAP]', true],
    ['/users', false],
    ['/media/alice/bootfs', false],
    ['/mnt', false],
    ['/variable', false],
    ['/Volumes/bootfs', false],
  ])('%s → %s', (mp, expected) => {
    expect(isSystemMountpoint(mp)).toBe(expected);
  });
});

describe('isSafeTarget: only usb, mmc and sd buses hold cards', () => {
  it.each(['usb', 'mmc', 'sd'])('accepts a removable disk on %s', (bus) => {
    expect(isSafeTarget({ ...card, bus }, policy)).toEqual({ ok: true });
  });

  it.each(['sata', 'nvme', 'ata', 'scsi', 'sas', 'fc', 'iscsi', 'pcie', 'internal', 'ieee1394'])(
    'refuses a hot-pluggable, removable-looking disk on %s (AHCI HOTPLUG=1)',
    (bus) => {
      const verdict = isSafeTarget({ ...card, bus, removable: true, system: false }, policy);
      expect(verdict).toEqual({
        ok: false,
        reasons: [
          `it is on the ${bus} bus, not on usb, mmc or sd where SD cards are read; if it really is the card, pass --dangerously-allow-any-bus`,
        ],
      });
    },
  );

  it('refuses a disk whose bus is unknown', () => {
    const verdict = isSafeTarget({ ...card, bus: undefined }, policy);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.reasons[0]).toMatch(/on the unknown bus/);
  });

  it('--dangerously-allow-any-bus allows such a disk, but never a system drive', () => {
    const sata = { ...card, bus: 'sata', removable: true };
    expect(isSafeTarget(sata, { ...policy, allowAnyBus: true })).toEqual({ ok: true });
    const fixed = { ...sata, removable: false, system: true };
    expect(isSafeTarget(fixed, { ...policy, allowAnyBus: true })).toEqual({
      ok: false,
      reasons: ['it is a system drive (internal and not removable)'],
    });
  });

  it('the bus rule is about disks: loop devices follow --allow-virtual alone', () => {
    const loop = { ...card, kind: 'loop' as const, bus: 'virtual', device: '/dev/loop3' };
    expect(isSafeTarget(loop, { ...policy, allowVirtual: true })).toEqual({ ok: true });
  });
});

describe('isSafeTarget: devices stacked on the card', () => {
  it('refuses a card with a mounted loop device over it, naming both', () => {
    const verdict = isSafeTarget(
      { ...card, holders: [{ device: '/dev/loop7', mountpoints: ['/tmp/look'] }] },
      policy,
    );
    expect(verdict).toEqual({
      ok: false,
      reasons: [
        'it is in use: /dev/loop7 (stacked on it) is mounted at /tmp/look; unmount it and detach /dev/loop7 first',
      ],
    });
  });

  it('accepts a card with an unmounted loop device over it', () => {
    expect(
      isSafeTarget({ ...card, holders: [{ device: '/dev/loop7', mountpoints: [] }] }, policy),
    ).toEqual({ ok: true });
  });
});
