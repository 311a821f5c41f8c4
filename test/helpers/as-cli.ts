/**
 * A domain function as the CLI calls it: inside withOptionNames(flagName), so its messages name
 * options by their flags, as a user reads them.
 */
import { flagName } from '../../src/cli/flag-names.js';
import { withOptionNames } from '../../src/option-names.js';

export const asCli =
  <A extends unknown[], R>(fn: (...args: A) => R) =>
  (...args: A): R =>
    withOptionNames(flagName, () => fn(...args));
