/**
 * The target-rule flags shared by `armada flash` and `armada configure` (on a card, configure
 * follows flash's rules): the yargs options and the mapping to the rules the domain takes.
 */
import type { Options } from 'yargs';

export const targetOptions = {
  'allow-virtual': {
    type: 'boolean',
    default: false,
    describe: 'Allow loop, nbd and disk-image devices as targets (tests)',
  },
  'allow-large': {
    type: 'boolean',
    default: false,
    describe: 'Allow a drive larger than 128 GiB without asking',
  },
  'dangerously-allow-any-bus': {
    type: 'boolean',
    default: false,
    describe:
      'Allow a disk on a bus other than usb, mmc or sd (SATA, NVMe…): only if that disk really is the card',
  },
} as const satisfies Record<string, Options>;

/** argv as yargs fills it: its types know the dashed flags, the camel-case twins exist at run time. */
export interface TargetArgs {
  allowVirtual?: boolean;
  allowLarge?: boolean;
  dangerouslyAllowAnyBus?: boolean;
}

export interface TargetRules {
  allowVirtual: boolean;
  allowLarge: boolean;
  allowAnyBus: boolean;
}

export function targetRulesFrom(argv: TargetArgs): TargetRules {
  return {
    allowVirtual: argv.allowVirtual ?? false,
    allowLarge: argv.allowLarge ?? false,
    allowAnyBus: argv.dangerouslyAllowAnyBus ?? false,
  };
}
