import { describe, expect, test } from 'vitest';
import { mountsOf } from '../../../src/commands/configure.js';
import { keyLines, rankPublicKeys } from '../../../src/seed/apply.js';
import { seedFlagsFrom } from '../../../src/cli/seed-options.js';

const procMounts = [
  '/dev/sda2 / ext4 rw,relatime 0 0',
  '/dev/sdb1 /media/ann/bootfs vfat rw 0 0',
  '/dev/sdb10 /media/x vfat rw 0 0',
  '/dev/mmcblk0p1 /media/ann/boot\\040fs vfat rw 0 0',
  'tmpfs /run tmpfs rw 0 0',
].join('\n');

describe('mountsOf', () => {
  test('finds the device and its partitions, not other devices', () => {
    expect(mountsOf('/dev/sdb', procMounts)).toEqual(['/media/ann/bootfs', '/media/x']);
    expect(mountsOf('/dev/mmcblk0', procMounts)).toEqual(['/media/ann/boot fs']);
    expect(mountsOf('/dev/sdc', procMounts)).toEqual([]);
    expect(mountsOf('/dev/sd', procMounts)).toEqual([]);
  });
});

describe('SSH key files', () => {
  test('best key first', () => {
    expect(
      rankPublicKeys([
        'zz.pub',
        'id_rsa.pub',
        'config',
        'id_ed25519.pub',
        'id_ecdsa.pub',
        'known_hosts',
      ]),
    ).toEqual(['id_ed25519.pub', 'id_ecdsa.pub', 'id_rsa.pub', 'zz.pub']);
  });
  test('comments and blank lines are skipped', () => {
    expect(keyLines('# mine\n\nssh-ed25519 AAAA a\n  ssh-rsa BBBB b  \n')).toEqual([
      'ssh-ed25519 AAAA a',
      'ssh-rsa BBBB b',
    ]);
  });
});

describe('seedFlagsFrom', () => {
  test('maps camel-cased argv and leaves absent flags absent', () => {
    expect(
      seedFlagsFrom({
        hostname: 'pi-{n}',
        sshKey: ['a.pub'],
        wifiSsid: 'x',
        tls: 'device',
        insecureTcp: false,
        start: 3,
      }),
    ).toEqual({
      hostname: 'pi-{n}',
      sshKey: ['a.pub'],
      wifiSsid: 'x',
      tls: 'device',
      insecureTcp: false,
      start: 3,
    });
    expect(seedFlagsFrom({})).toEqual({});
  });
  test('takes only seed flags from argv, and repeatable values as strings', () => {
    const argv = { 'wifi-ssid': 'x', wifiSsid: 'x', json: true, $0: 'armada', san: [5, 'a.lan'] };
    expect(seedFlagsFrom(argv as never)).toEqual({ wifiSsid: 'x', san: ['5', 'a.lan'] });
  });
  test('where a secret comes from is not a seed setting', () => {
    expect(seedFlagsFrom({ passwordFile: '-', wifiPasswordFile: 'psk.txt', sudo: 'none' })).toEqual(
      { sudo: 'none' },
    );
  });
});
