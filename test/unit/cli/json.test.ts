import { describe, expect, test } from 'vitest';
import { envelope } from '../../../src/cli/json.js';
import { commandPathOf, subcommandNames } from '../../../src/cli/usage.js';
import { commands } from '../../../src/cli/commands.js';
import { CheckFailedError, InternalError, UsageError } from '../../../src/errors.js';

describe('envelope: one shape for every --json document', () => {
  test('success: ok and command first, the result fields beside them', () => {
    const doc = envelope('cache prune', { dir: '/c', removed: [] });
    expect(doc).toEqual({ ok: true, command: 'cache prune', dir: '/c', removed: [] });
    expect(Object.keys(doc).slice(0, 2)).toEqual(['ok', 'command']);
  });

  test('failure: the report stays, ok is false and the error says why, last', () => {
    const doc = envelope(
      'check-kernel',
      { ok: false, missingRequired: ['VETH'] },
      new CheckFailedError('lacks VETH'),
    );
    expect(doc).toEqual({
      ok: false,
      command: 'check-kernel',
      missingRequired: ['VETH'],
      error: { code: 'check-failed', exitCode: 3, message: 'lacks VETH' },
    });
    expect(Object.keys(doc).at(-1)).toBe('error');
    expect(envelope(null, undefined, new UsageError('x', ['a']))).toEqual({
      ok: false,
      command: null,
      error: { code: 'usage', exitCode: 2, message: 'x', details: ['a'] },
    });
  });

  test('a result cannot override ok, command or error', () => {
    expect(envelope('doctor', { ok: true, command: 'x', error: 'y', tools: [] })).toEqual({
      ok: true,
      command: 'doctor',
      tools: [],
    });
  });

  test('bugs are caught: a bare list, a report that failed without an error', () => {
    expect(() => envelope('discover', [])).toThrow(InternalError);
    expect(() => envelope('doctor', { ok: false })).toThrow(/without an error/);
  });
});

describe('commandPathOf: the command a refused command line named', () => {
  test('subcommands come from the groups’ own builders', () => {
    const of = (name: string) => subcommandNames(commands.find((c) => c.command === name)!);
    expect(of('cache')).toEqual(['ls', 'prune']);
    expect(of('config')).toEqual(['set', 'unset']);
    expect(of('swarm <command>')).toEqual(['up', 'ls', 'join', 'leave']);
    expect(of('discover')).toEqual([]);
  });

  test.each([
    [['cache', 'prune', '--bogus'], 'cache prune'],
    [['--debug', 'cache', '--json', 'prune'], 'cache prune'],
    [['cache', '--bogus'], 'cache'],
    [['swarm', 'up', 'pi-1.local', '--bogus'], 'swarm up'],
    [['inspect', 'ls', '--bogus'], 'inspect'],
    [['discover', 'extra'], 'discover'],
    [['bogus', '--json'], null],
    [['--json'], null],
  ])('%j → %s', (argv, path) => {
    expect(commandPathOf(argv, commands)).toBe(path);
  });
});
