import { expect, test } from 'vitest';
import { formatDoctor, toolKind, type ToolStatus } from '../../../src/commands/doctor.js';
import { hostTools } from '../../../src/host/tools.js';

test('toolKind: required, optional for a command, or only for tests', () => {
  expect(toolKind({ required: true, for: 'configure' })).toBe('required');
  expect(toolKind({ required: false, for: 'build' })).toBe('optional');
  expect(toolKind({ required: false, for: 'connect (docker context), e2e tests' })).toBe(
    'optional',
  );
  expect(toolKind({ required: false, for: 'tests (loop devices as cards)' })).toBe('test');
  expect(toolKind({ required: false, for: 'boot tests, bench/first-boot' })).toBe('test');
  // The real list: shellcheck and losetup are for tests; docker serves connect.
  const kinds = new Map(
    hostTools.map((t) => [t.bin, toolKind({ required: t.required, for: t.for })]),
  );
  expect(kinds.get('shellcheck')).toBe('test');
  expect(kinds.get('docker')).toBe('optional');
});

const tool = (over: Partial<ToolStatus>): ToolStatus => ({
  tool: 'x',
  found: true,
  aptPackage: 'x',
  install: 'sudo apt-get install x',
  required: false,
  kind: 'optional',
  usedFor: 'build',
  ...over,
});

test('formatDoctor: sections, and a fix the user can run (apt-get, not a repo script)', () => {
  const text = formatDoctor({
    ok: false,
    root: false,
    binfmt: undefined,
    tools: [
      tool({ tool: 'mcopy', found: false, aptPackage: 'mtools', required: true, kind: 'required' }),
      tool({ tool: 'mdir', found: false, aptPackage: 'mtools', required: true, kind: 'required' }),
      tool({ tool: 'zstd', found: false, aptPackage: 'zstd' }),
      tool({ tool: 'shellcheck', kind: 'test' }),
    ],
  });
  expect(text).toMatch(/^Required .*:\n {2}MISSING {2}mcopy/m);
  expect(text).toMatch(/^Only for armada's own tests and benchmarks:\n {2}ok {7}shellcheck/m);
  expect(text).toContain(
    'required tools missing: mcopy, mdir; install them: sudo apt-get install mtools\n',
  );
  expect(text).toMatch(/1 optional tool missing .*sudo apt-get install zstd$/);
  expect(text).not.toMatch(/setup-host/);
});
