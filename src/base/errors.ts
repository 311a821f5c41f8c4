/**
 * What can be wrong with a base image, each with the fix in its message. Raised before anything
 * is written: --out stays as it was.
 */
import { CheckFailedError, UserError } from '../errors.js';

/** The file is not a Raspberry Pi OS image armada can customise (exit 1). */
export class BadBaseError extends UserError {
  constructor(
    readonly base: string,
    problem: string,
    details: readonly string[] = [],
  ) {
    super(`${base}: ${problem}`, details);
  }
}

/** A kernel the base carries cannot run Docker (exit 3); details: per family, what is missing. */
export class BaseKernelError extends CheckFailedError {}
