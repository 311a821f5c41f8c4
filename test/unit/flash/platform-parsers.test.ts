import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lsblkCommand, parseLsblk } from '../../../src/flash/platform/lsblk.js';
import {
  driveFromDiskutil,
  parseDiskutilInfo,
  parseDiskutilList,
  volumesByDisk,
  wholeDiskOf,
} from '../../../src/flash/platform/diskutil.js';
import { parsePlist } from '../../../src/flash/platform/plist.js';
import { isSafeTarget } from '../../../src/flash/safety.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/flash/${name}`, import.meta.url), 'utf8');

describe('parseLsblk on the CI VM (recorded)', () => {
  const drives = parseLsblk(fixture('lsblk-vm-loop.json'));
  const byName = (d: string) => drives.find((x) => x.device === d)!;

  it('sees loop devices, which drivelist hides', () => {
    expect(byName('/dev/loop0')).toMatchObject({
      kind: 'loop',
      bus: 'virtual',
      sizeBytes: 67108864,
      readOnly: false,
      system: false,
    });
    expect(byName('/dev/loop1').readOnly).toBe(true);
  });

  it('calls zram zram, not a removable disk', () => {
    expect(byName('/dev/zram0')).toMatchObject({ kind: 'zram', removable: false });
  });

  it('sees the root disk as a mounted system disk', () => {
    expect(byName('/dev/vda')).toMatchObject({
      kind: 'disk',
      system: true,
      mountpoints: ['/'],
      description: '0x1af4',
    });
  });

  it('builds the command with the columns the parser reads', () => {
    expect(lsblkCommand()[1]).toContain(
      'NAME,PATH,SIZE,TYPE,RO,RM,HOTPLUG,TRAN,MOUNTPOINTS,FSTYPE,LABEL,MODEL,VENDOR,PKNAME,SERIAL,MAJ:MIN',
    );
    expect(lsblkCommand('/dev/sdb')[1].at(-1)).toBe('/dev/sdb');
  });

  it('reads the serial and major:minor checked again after opening', () => {
    const [d] = parseLsblk(
      JSON.stringify({
        blockdevices: [
          {
            name: 'sdb',
            path: '/dev/sdb',
            size: 32e9,
            type: 'disk',
            tran: 'usb',
            rm: true,
            serial: ' 0123ABC ',
            'maj:min': '8:16',
          },
          {
            name: 'sdc',
            path: '/dev/sdc',
            size: 32e9,
            type: 'disk',
            tran: 'usb',
            rm: true,
            serial: null,
          },
        ],
      }),
    );
    expect(d).toMatchObject({ serial: '0123ABC', devNumber: '8:16' });
  });
});

describe('parseLsblk with an internal eMMC and an SD slot (lsblk shows them alike)', () => {
  const json = fixture('lsblk-emmc-laptop.json');
  const types = new Map(
    Object.entries(
      JSON.parse(fixture('sysfs-mmc-types-emmc-laptop.json')) as Record<string, string>,
    ),
  );
  const drives = parseLsblk(json, types);
  const byName = (d: string) => drives.find((x) => x.device === d)!;
  const policy = { imageSizeBytes: 3e9, sourceDevices: [], allowVirtual: false, allowLarge: false };
  const verdict = (d: string, extra = {}) => isSafeTarget(byName(d), { ...policy, ...extra });

  it('an unmounted eMMC (sysfs type MMC) is a system drive, refused even with every allow flag', () => {
    expect(byName('/dev/mmcblk0')).toMatchObject({
      bus: 'mmc',
      system: true,
      description: 'internal eMMC',
      mountpoints: [],
    });
    const refused = {
      ok: false,
      reasons: ['it is a system drive (internal eMMC storage, not an SD card)'],
    };
    expect(verdict('/dev/mmcblk0')).toEqual(refused);
    expect(
      verdict('/dev/mmcblk0', { allowAnyBus: true, allowVirtual: true, allowLarge: true }),
    ).toEqual(refused);
  });

  it("the eMMC's boot partitions are refused too", () => {
    for (const d of ['/dev/mmcblk0boot0', '/dev/mmcblk0boot1'])
      expect(verdict(d)).toMatchObject({
        ok: false,
        reasons: expect.arrayContaining([expect.stringMatching(/internal eMMC/)]) as unknown,
      });
  });

  it('the card in the slot (sysfs type SD) stays a card', () => {
    expect(byName('/dev/mmcblk1')).toMatchObject({
      bus: 'mmc',
      system: false,
      description: 'SD card',
      serial: '0x1b7d4e93',
      devNumber: '179:24',
    });
    expect(verdict('/dev/mmcblk1')).toEqual({ ok: true });
  });

  it('without the sysfs types (unreadable) both read as before: cards', () => {
    const blind = parseLsblk(json);
    expect(blind.find((d) => d.device === '/dev/mmcblk0')).toMatchObject({
      system: false,
      description: 'SD card',
    });
  });
});

describe('parseLsblk on a laptop', () => {
  const drives = parseLsblk(fixture('lsblk-laptop.json'));
  const byName = (d: string) => drives.find((x) => x.device === d)!;
  const policy = { imageSizeBytes: 3e9, sourceDevices: [], allowVirtual: false, allowLarge: false };
  const verdict = (d: string) => isSafeTarget(byName(d), policy);

  it('lists whole disks only', () => {
    expect(drives.map((d) => d.device)).toEqual([
      '/dev/loop0',
      '/dev/loop1',
      '/dev/sda',
      '/dev/sdb',
      '/dev/sdc',
      '/dev/sdd',
      '/dev/sde',
      '/dev/sdf',
      '/dev/mmcblk0',
      '/dev/sr0',
      '/dev/zram0',
      '/dev/nbd0',
      '/dev/nvme0n1',
    ]);
  });

  it('reads a USB card reader with a mounted Pi card', () => {
    expect(byName('/dev/sda')).toEqual({
      device: '/dev/sda',
      rawDevice: '/dev/sda',
      sizeBytes: 31914983424,
      description: 'Generic STORAGE DEVICE',
      bus: 'usb',
      kind: 'disk',
      removable: true,
      readOnly: false,
      system: false,
      mountpoints: ['/media/alice/bootfs', '/media/alice/rootfs'],
      partitions: ['/dev/sda1', '/dev/sda2'],
      members: [],
    });
    expect(verdict('/dev/sda')).toEqual({ ok: true });
  });

  it('finds / and swap nested under LUKS and LVM', () => {
    const nvme = byName('/dev/nvme0n1');
    expect(nvme.mountpoints).toEqual(['/boot/efi', '/', '[SWAP]']);
    expect(nvme.members).toEqual(['crypto_LUKS', 'LVM2_member']);
    expect(nvme.partitions).toContain('/dev/mapper/vg-root');
    expect(nvme.system).toBe(true);
    expect(verdict('/dev/nvme0n1').ok).toBe(false);
  });

  it('treats the built-in mmc slot as a card, not a system disk', () => {
    expect(byName('/dev/mmcblk0')).toMatchObject({
      bus: 'mmc',
      system: false,
      description: 'SD card',
    });
    expect(verdict('/dev/mmcblk0')).toEqual({ ok: true });
  });

  it('refuses what must never be flashed', () => {
    expect(verdict('/dev/sdb')).toMatchObject({
      ok: false,
      reasons: [expect.stringMatching(/read-only/)],
    });
    expect(verdict('/dev/sdc')).toMatchObject({
      ok: false,
      reasons: [expect.stringMatching(/no medium/)],
    });
    expect(verdict('/dev/sdd')).toMatchObject({ ok: false });
    expect(byName('/dev/sdd').members).toEqual(['linux_raid_member']);
    expect(verdict('/dev/sr0')).toMatchObject({
      ok: false,
      reasons: [expect.stringMatching(/optical/), expect.stringMatching(/smaller/)],
    });
    expect(verdict('/dev/zram0')).toMatchObject({
      ok: false,
      reasons: [expect.stringMatching(/zram/), expect.stringMatching(/SWAP/)],
    });
    expect(verdict('/dev/nbd0')).toMatchObject({
      ok: false,
      reasons: [expect.stringMatching(/virtual device \(nbd\)/)],
    });
    expect(verdict('/dev/loop0')).toMatchObject({ ok: false });
  });

  it('asks before writing a 256 GB USB disk, not a 128 GB card', () => {
    expect(verdict('/dev/sde')).toHaveProperty('needsConfirmation');
    expect(verdict('/dev/sdf')).toEqual({ ok: true });
  });

  it('reads lsblk before 2.37 (mountpoint, 0/1 flags)', () => {
    const old = JSON.stringify({
      blockdevices: [
        {
          name: 'sdb',
          size: '1000',
          type: 'disk',
          ro: '0',
          rm: '1',
          mountpoint: null,
          children: [{ name: 'sdb1', type: 'part', mountpoint: '/media/x' }],
        },
      ],
    });
    expect(parseLsblk(old)[0]).toMatchObject({
      device: '/dev/sdb',
      removable: true,
      readOnly: false,
      sizeBytes: 1000,
      mountpoints: ['/media/x'],
    });
  });

  it('says what is wrong with output that is not JSON', () => {
    expect(() => parseLsblk('lsblk: unknown column')).toThrow(/not JSON/);
  });
});

describe('diskutil (macOS) parsers', () => {
  const list = parseDiskutilList(fixture('macos/diskutil-list.plist'));
  const volumes = volumesByDisk(list);
  const drive = (file: string) => {
    const info = parseDiskutilInfo(fixture(`macos/${file}`));
    return driveFromDiskutil(info, volumes.get(info.id));
  };
  const policy = { imageSizeBytes: 3e9, sourceDevices: [], allowVirtual: false, allowLarge: false };

  it('reads every whole disk with its partitions', () => {
    expect(list.map((d) => d.id)).toEqual(['disk0', 'disk3', 'disk4', 'disk5']);
    expect(list[2].partitions).toEqual([
      {
        id: 'disk4s1',
        mountPoints: ['/Volumes/bootfs'],
        content: 'Windows_FAT_32',
        volumeName: 'bootfs',
      },
      { id: 'disk4s2', mountPoints: [], content: 'Linux' },
    ]);
    expect(list[1].apfsPhysicalStores).toEqual(['disk0s2']);
  });

  it('charges APFS volumes (and the sealed / snapshot) to the physical disk', () => {
    expect(volumes.get('disk0')!.mountpoints).toEqual([
      '/',
      '/System/Volumes/Data',
      '/System/Volumes/VM',
    ]);
  });

  it('makes a writable raw-device drive of a USB card reader', () => {
    const d = drive('diskutil-info-disk4-usb-sd.plist');
    expect(d).toEqual({
      device: '/dev/disk4',
      rawDevice: '/dev/rdisk4',
      sizeBytes: 31914983424,
      description: 'SD Card Reader',
      bus: 'usb',
      kind: 'disk',
      removable: true,
      readOnly: false,
      system: false,
      mountpoints: ['/Volumes/bootfs'],
      partitions: ['/dev/disk4s1', '/dev/disk4s2'],
      members: [],
    });
    expect(isSafeTarget(d, policy)).toEqual({ ok: true });
  });

  it('refuses the internal SSD for two reasons', () => {
    const d = drive('diskutil-info-disk0-internal.plist');
    expect(d).toMatchObject({ system: true, bus: 'internal', rawDevice: '/dev/rdisk0' });
    expect(isSafeTarget(d, policy)).toMatchObject({
      ok: false,
      reasons: [expect.stringMatching(/system drive/), expect.stringMatching(/mounted at \//)],
    });
  });

  it('sees a locked card in the built-in SDXC slot as removable but read-only', () => {
    const d = drive('diskutil-info-disk6-builtin-sd-locked.plist');
    expect(d).toMatchObject({ system: false, removable: true, readOnly: true, bus: 'sd' });
    expect(isSafeTarget(d, policy)).toMatchObject({
      ok: false,
      reasons: [expect.stringMatching(/read-only/)],
    });
  });

  it('treats disk images as virtual and APFS containers as never-targets', () => {
    expect(drive('diskutil-info-disk5-dmg.plist')).toMatchObject({
      kind: 'disk-image',
      bus: 'virtual',
    });
    expect(
      isSafeTarget(drive('diskutil-info-disk5-dmg.plist'), {
        ...policy,
        allowVirtual: true,
        imageSizeBytes: 1e6,
      }),
    ).toEqual({ ok: true });
    const container = drive('diskutil-info-disk3-apfs-container.plist');
    expect(container.kind).toBe('device-mapper');
    expect(isSafeTarget(container, { ...policy, allowVirtual: true }).ok).toBe(false);
  });

  it('maps partitions to whole disks', () => {
    expect(wholeDiskOf('disk4s2')).toBe('disk4');
    expect(wholeDiskOf('disk12')).toBe('disk12');
  });

  it('parses plist scalars and rejects non-plists', () => {
    const xml =
      '<?xml version="1.0"?><plist version="1.0"><dict><key>a</key><integer>-3</integer><key>b</key><real>1.5</real><key>c</key><array><true/><string>x &amp; y</string></array></dict></plist>';
    expect(parsePlist(xml)).toEqual({ a: -3, b: 1.5, c: [true, 'x & y'] });
    expect(() => parsePlist('<html/>')).toThrow(/no property list/);
  });
});
