/**
 * Suites that need something this machine may lack (root, a tool) say so instead of passing by
 * skipping. A skipped suite carries its reason in its name, which test/helpers/skip-reporter.ts
 * counts at the end of the run. Under CI=true no suite skips: CI runs as root after
 * scripts/setup-host.sh installed every tool, so a missing need there is a broken set-up, and the
 * suite fails naming it.
 */
import { describe, it } from 'vitest';
import { missingTools } from './tools.js';

export const isRoot = process.getuid?.() === 0;

export const rootReason = 'needs root (CI runs as root): loop devices, mkfs, QEMU';

/** The marker the skip reporter looks for in a suite's name. */
export const skippedMarker = /\s\[skipped: (.+)\]$/;

export interface Needs {
  /** The suite needs root. */
  root?: boolean;
  /** Another reason to skip (a tool that is not installed), or undefined to run. */
  unless?: string | undefined;
}

/** The skip reason for tools that are not installed, or undefined when all are there. */
export function toolsReason(...tools: string[]): string | undefined {
  const missing = missingTools(tools);
  return missing.length ? `needs ${missing.join(', ')} (not installed)` : undefined;
}

export type NeedsOutcome =
  | { kind: 'run' }
  | { kind: 'skip'; reason: string }
  | { kind: 'fail'; reason: string; check: string };

/** Pure: what a suite with these needs does on a machine that is (not) root, in CI or not. */
export function needsOutcome(needs: Needs, machine: { root: boolean; ci: boolean }): NeedsOutcome {
  const reason = needs.root && !machine.root ? rootReason : needs.unless;
  if (!reason) return { kind: 'run' };
  if (!machine.ci) return { kind: 'skip', reason };
  const check = needs.root && !machine.root ? 'runs as root' : 'has what CI installs';
  return { kind: 'fail', reason, check };
}

/** describe(), or a skipped suite that says why, or (CI=true) a suite that fails saying why. */
export function describeNeeds(needs: Needs, name: string, fn: () => void): void {
  const outcome = needsOutcome(needs, { root: isRoot, ci: process.env.CI === 'true' });
  if (outcome.kind === 'run') describe(name, fn);
  else if (outcome.kind === 'skip') describe.skip(`${name} [skipped: ${outcome.reason}]`, fn);
  else
    describe(name, () => {
      it(outcome.check, () => {
        throw new Error(`CI=true but this suite cannot run: ${outcome.reason}`);
      });
    });
}

/** The root-only reason, or undefined when running as root. */
export function rootOnlyReason(): string | undefined {
  return isRoot ? undefined : rootReason;
}
