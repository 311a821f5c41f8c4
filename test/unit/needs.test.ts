import { describe, expect, test } from 'vitest';
import { needsOutcome, rootReason } from '../helpers/needs.js';

const tool = 'needs bmaptool (not installed)';

describe('needsOutcome: CI never passes by skipping', () => {
  test.each([
    [{}, { root: false, ci: false }, { kind: 'run' }],
    [{ root: true }, { root: true, ci: true }, { kind: 'run' }],
    [{ root: true }, { root: false, ci: false }, { kind: 'skip', reason: rootReason }],
    [
      { root: true },
      { root: false, ci: true },
      { kind: 'fail', reason: rootReason, check: 'runs as root' },
    ],
    [{ unless: tool }, { root: true, ci: false }, { kind: 'skip', reason: tool }],
    // Every missing tool fails under CI, with no per-suite opt-in.
    [
      { unless: tool },
      { root: true, ci: true },
      { kind: 'fail', reason: tool, check: 'has what CI installs' },
    ],
    [
      { root: true, unless: tool },
      { root: false, ci: true },
      { kind: 'fail', reason: rootReason, check: 'runs as root' },
    ],
    [{ root: true, unless: undefined }, { root: true, ci: false }, { kind: 'run' }],
  ] as const)('%j on %j → %j', (needs, machine, outcome) => {
    expect(needsOutcome(needs, machine)).toEqual(outcome);
  });
});
