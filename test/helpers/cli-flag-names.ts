/**
 * Setup file: domain messages name options the way the CLI does (src/cli.ts installs the same
 * names), so a test of the domain reads the message a user reads.
 */
import { flagName } from '../../src/cli/flag-names.js';
import { nameOptions } from '../../src/option-names.js';

nameOptions(flagName);
