import { describe, expect, test } from 'vitest';
import { checkNoSeed, seedFlagsGiven } from '../../../src/cli/no-seed.js';
import { UsageError } from '../../../src/errors.js';

describe('seedFlagsGiven: the seed flags on a command line', () => {
  test.each([
    [['flash', 'a.img', '/dev/sdb', '--no-seed', '--yes'], []],
    [['flash', 'a.img', '--hostname', 'pi-1', '--no-seed'], ['--hostname']],
    [
      ['--no-seed', '--wifi-ssid=home', '--wifi-open'],
      ['--wifi-ssid', '--wifi-open'],
    ],
    [
      ['--no-seed', '--no-wifi-open', '--sshKey=k.pub', '--ssh-key', 'k'],
      ['--wifi-open', '--ssh-key'],
    ],
    [
      ['--no-seed', '--start', '3', '--password-file', '-'],
      ['--start', '--password-file'],
    ],
    [['--no-seed', '--no-verify', '--no-bmap', '--sha256', 'ab'], []],
    [['--no-seed', '--', '--hostname'], []],
  ])('%j → %j', (argv, flags) => {
    expect(seedFlagsGiven(argv)).toEqual(flags);
  });
});

describe('checkNoSeed', () => {
  test('--no-seed with seed flags is a usage error naming them', () => {
    const argv = ['flash', 'a.img', '--no-seed', '--hostname', 'x', '--user-data', 'u.yaml'];
    expect(() => checkNoSeed(argv, { seed: false })).toThrow(UsageError);
    expect(() => checkNoSeed(argv, { seed: false })).toThrow(
      '--no-seed writes the image only, so --hostname, --user-data would be ignored; drop them, or drop --no-seed to seed the card',
    );
  });

  test('seeding, or --no-seed alone, or a command without --seed: fine', () => {
    expect(() => checkNoSeed(['flash', 'a.img', '--hostname', 'x'], { seed: true })).not.toThrow();
    expect(() => checkNoSeed(['flash', 'a.img', '--no-seed'], { seed: false })).not.toThrow();
    expect(() => checkNoSeed(['configure', 'a.img', '--hostname', 'x'], {})).not.toThrow();
  });
});
