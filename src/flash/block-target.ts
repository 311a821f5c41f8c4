/**
 * Flash's target rules for anything else that writes a card (configure): a block device must be a
 * drive flash would write, and, unless allowed, hold an armada image already.
 */
import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
import { hasFirstBootUnit } from './armada-image.js';
import type { Drive } from './drive.js';
import { drivesHoldingPaths } from './holders.js';
import { currentPlatform, type Platform } from './platform/index.js';
import { resolveTargets } from './targets.js';
import { option } from '../option-names.js';

export interface BlockTargetRules {
  allowVirtual?: boolean;
  allowAnyBus?: boolean;
  allowLarge?: boolean;
  /** Seed a block device whose root partition has no armada first-boot unit. */
  allowForeignImage?: boolean;
  platform?: Platform;
}

/** Whole disks holding these files (the image, armada itself, node): never a target. */
export async function devicesHolding(
  paths: readonly string[],
  platform: Platform,
  drives: readonly Drive[],
): Promise<string[]> {
  const real = await Promise.all(paths.map((p) => realpath(p).catch(() => p)));
  return [
    ...new Set([...(await platform.holdersOf(real, drives)), ...drivesHoldingPaths(real, drives)]),
  ];
}

export const armadaItself = (): string[] => [fileURLToPath(import.meta.url), process.execPath];

/** Throws when `target` is a block device flash would refuse; files pass unchecked. */
export async function checkBlockTarget(target: string, rules: BlockTargetRules): Promise<void> {
  if (!(await stat(target)).isBlockDevice()) return;
  const device = await realpath(target);
  const platform = rules.platform ?? (await currentPlatform());
  const drives = await platform.listDrives();
  const resolved = resolveTargets([device], drives, {
    sourceDevices: await devicesHolding(armadaItself(), platform, drives),
    allowVirtual: rules.allowVirtual ?? false,
    allowAnyBus: rules.allowAnyBus ?? false,
    allowLarge: rules.allowLarge ?? false,
  });
  if (!resolved.ok) throw new UserError(`${resolved.problems.join('; ')}; nothing was written`);
  const confirm = resolved.targets[0]?.confirm;
  if (confirm) throw new UserError(`${confirm}; nothing was written`);
  // Unreadable (not root): the caller's own checks say so, with the fix; not "no armada image".
  const readable = await access(target, constants.R_OK).then(
    () => true,
    () => false,
  );
  if (readable && !rules.allowForeignImage && !(await hasFirstBootUnit(target)))
    throw new UserError(
      `${target} holds no armada image (no armada-firstboot.service on its root partition), so nothing would read the seed; flash an armada image first, or pass ${option('allowForeignImage')}; nothing was written`,
    );
}
