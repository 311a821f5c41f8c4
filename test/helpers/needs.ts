/**
 * Suites that need something this machine may lack (root, a tool) say so instead of passing by
 * skipping. A skipped suite carries its reason in its name, which test/helpers/skip-reporter.ts
 * counts at the end of the run. Under CI=true a suite that needs root never skips: CI runs as
 * root, so a skip there means the tier ran nothing, and the suite fails instead (likewise a suite
 * whose tool CI installs, with failInCi).
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
  /** CI installs what `unless` is about: there, fail instead of skipping. */
  failInCi?: boolean;
}

/** The skip reason for tools that are not installed, or undefined when all are there. */
export function toolsReason(...tools: string[]): string | undefined {
  const missing = missingTools(tools);
  return missing.length ? `needs ${missing.join(', ')} (not installed)` : undefined;
}

function reasonFor(needs: Needs): string | undefined {
  if (needs.root && !isRoot) return rootReason;
  return needs.unless;
}

/** describe(), or a skipped suite that says why, or (CI, no root) a suite that fails. */
export function describeNeeds(needs: Needs, name: string, fn: () => void): void {
  const reason = reasonFor(needs);
  if (!reason) {
    describe(name, fn);
    return;
  }
  const required = (needs.root && !isRoot) || needs.failInCi;
  if (required && process.env.CI === 'true') {
    describe(name, () => {
      it(needs.root && !isRoot ? 'runs as root' : 'has what CI installs', () => {
        throw new Error(`CI=true but this suite cannot run: ${reason}`);
      });
    });
    return;
  }
  describe.skip(`${name} [skipped: ${reason}]`, fn);
}

/** The root-only reason, or undefined when running as root. */
export function rootOnlyReason(): string | undefined {
  return isRoot ? undefined : rootReason;
}
