/**
 * The base's users whose passwords armada cannot check: said by the take-over, and again when the
 * take-over comes from the installed-base cache, since it is about the image either way.
 */
import { log } from '../log.js';
import type { BasePlan } from './plan-base.js';

/** Also said when the take-over comes from the installed-base cache: it is about the image. */
export function warnUncheckedPasswords(plan: BasePlan): void {
  for (const user of plan.shadow.unchecked)
    log.warn(
      `base user '${user}' has a password armada cannot check (not a $6$ hash); it is kept as the base had it`,
    );
}
