import { describe, expect, test } from 'vitest';
import { jsonError, subcommandOf, usageMessage } from '../../../src/cli/usage.js';
import { CheckFailedError, UsageError, UserError } from '../../../src/errors.js';

const commands = [
  { command: 'configure <target>' },
  { command: 'connect <host>' },
  { command: ['ca <action>'] },
  { command: 'discover' },
];

describe('usageMessage: yargs failures in armada words, help of the subcommand', () => {
  test.each([
    [
      'Not enough non-option arguments: got 0, need at least 1',
      ['configure'],
      "'armada configure' needs <target>",
      'armada configure --help',
    ],
    ['name a command', [], 'name a command', 'armada --help'],
    [
      'Unknown argument: bogus',
      ['connect', 'x', '--bogus'],
      'unknown option --bogus',
      'armada connect --help',
    ],
    [
      'Unknown argument: b',
      ['connect', 'a', 'b'],
      "unexpected argument 'b'; quote values with spaces",
      'armada connect --help',
    ],
    [
      'Unknown argument: frobnicate',
      ['frobnicate'],
      "unknown command 'frobnicate'",
      'armada --help',
    ],
    [
      'Did you mean connect?',
      ['conect', 'x'],
      "unknown command 'conect'; did you mean connect?",
      'armada --help',
    ],
    [
      'Invalid values:\n  Argument: tls, Given: "bogus", Choices: "laptop", "device"',
      ['configure', 'x', '--tls', 'bogus'],
      '--tls bogus is not one of: laptop, device',
      'armada configure --help',
    ],
    [
      'Not enough arguments following: name',
      ['connect', 'x', '--name'],
      '--name needs a value',
      'armada connect --help',
    ],
    [
      'Not enough non-option arguments: got 0, need at least 1',
      ['ca'],
      "'armada ca' needs <action>",
      'armada ca --help',
    ],
  ])('%j', (msg, argv, message, help) => {
    expect(usageMessage(msg, argv, commands)).toEqual({ message, help });
  });

  test('the subcommand is the first word that names one', () => {
    expect(subcommandOf(['--debug', 'connect', 'configure'], commands)).toBe('connect');
    expect(subcommandOf(['--help'], commands)).toBe('');
  });
});

test('jsonError: one document with the exit code by name', () => {
  expect(JSON.parse(jsonError(new UsageError('--timeout 0 is out of range'), 'discover'))).toEqual({
    ok: false,
    command: 'discover',
    error: { code: 'usage', exitCode: 2, message: '--timeout 0 is out of range' },
  });
  expect(JSON.parse(jsonError(new UsageError('unknown command'))).command).toBeNull();
  expect(JSON.parse(jsonError(new UserError('no CA', ['a', 'b'])))).toMatchObject({
    error: { code: 'user-error', exitCode: 1, details: ['a', 'b'] },
  });
  expect(JSON.parse(jsonError(new CheckFailedError('x'))).error.code).toBe('check-failed');
  expect(JSON.parse(jsonError(new Error('boom'))).error).toMatchObject({
    code: 'internal',
    exitCode: 70,
  });
});

test('a value that looks like bundled short flags is named as given', () => {
  expect(
    usageMessage('Unknown arguments: o, P, r', ['connect', 'pi', '-oPr'], commands).message,
  ).toBe("unknown option '-oPr'");
});
