/**
 * Domain messages name options, not flags: a library caller reads the API's option names, the
 * command line its flags (src/cli.ts runs every command inside withOptionNames(flagName)).
 */
import { expect, test } from 'vitest';
import { flagName } from '../../src/cli/flag-names.js';
import { option, withOptionNames } from '../../src/option-names.js';
import { isSafeTarget } from '../../src/flash/safety.js';
import { seedOptions } from '../../src/cli/seed-options.js';
import { targetOptions } from '../../src/cli/target-options.js';
import { fakeDrive } from '../helpers/drives.js';

const loop = fakeDrive('/dev/loop9', { kind: 'loop' });
const policy = { allowVirtual: false, allowLarge: false, sourceDevices: [] };

test('a library caller reads option names; the CLI reads flags', () => {
  expect(option('allowVirtual')).toBe('allowVirtual');
  expect(isSafeTarget(loop, policy)).toMatchObject({
    ok: false,
    reasons: [expect.stringMatching(/pass allowVirtual to write it anyway$/)],
  });
  expect(withOptionNames(flagName, () => isSafeTarget(loop, policy))).toMatchObject({
    ok: false,
    reasons: [expect.stringMatching(/pass --allow-virtual to write it anyway$/)],
  });
});

test('every flag a message names is a flag the CLI has', () => {
  const flags = new Set(
    [...Object.keys(seedOptions), ...Object.keys(targetOptions)].map((f) => `--${f}`),
  );
  for (const name of [
    'wifiPasswordFile',
    'passwordFile',
    'sshKey',
    'insecureTcp',
    'allowVirtual',
    'allowLarge',
    'allowAnyBus',
  ] as const)
    expect(flags).toContain(flagName(name));
  expect(flagName('allowAnyBus')).toBe('--dangerously-allow-any-bus');
  expect(flagName('noBmap')).toBe('--no-bmap');
  expect(flagName('allowForeignImage')).toBe('--allow-foreign-image');
});
