import { describe, expect, test } from 'vitest';
import {
  resolveSecret,
  resolveSeedSecrets,
  type SecretIo,
  type SecretSpec,
} from '../../../src/cli/secrets.js';
import { UsageError } from '../../../src/errors.js';

function io(over: Partial<SecretIo> = {}): SecretIo & { warnings: string[]; asked: string[] } {
  const warnings: string[] = [];
  const asked: string[] = [];
  const answers = ['typed secret', 'typed secret'];
  return {
    env: {},
    isTTY: false,
    prompt: (q) => {
      asked.push(q);
      return Promise.resolve(answers.shift() ?? '');
    },
    readStdin: () => Promise.resolve('from stdin\nsecond line\n'),
    readFile: (p) =>
      p === 'pw.txt'
        ? Promise.resolve('from file\n')
        : Promise.reject(Object.assign(new Error(), { code: 'ENOENT' })),
    warn: (m) => warnings.push(m),
    warnings,
    asked,
    ...over,
  };
}

const spec = (over: Partial<SecretSpec> = {}): SecretSpec => ({
  flag: '--password',
  label: 'Login password',
  value: undefined,
  file: undefined,
  envVar: 'ARMADA_PASSWORD',
  confirm: true,
  ...over,
});

describe('resolveSecret', () => {
  test('argv works, with a warning that others can see it', async () => {
    const i = io();
    expect(await resolveSecret(spec({ value: 'on argv' }), i)).toBe('on argv');
    expect(i.warnings[0]).toMatch(/visible to other users.*--password-file.*ARMADA_PASSWORD/);
  });
  test('a file (first line) or stdin with -', async () => {
    expect(await resolveSecret(spec({ file: 'pw.txt' }), io())).toBe('from file');
    expect(await resolveSecret(spec({ file: '-' }), io())).toBe('from stdin');
    await expect(resolveSecret(spec({ file: 'missing' }), io())).rejects.toThrow(/ENOENT/);
  });
  test('the environment when no flag is given', async () => {
    expect(await resolveSecret(spec(), io({ env: { ARMADA_PASSWORD: 'env pw' } }))).toBe('env pw');
    expect(await resolveSecret(spec(), io())).toBeUndefined();
  });
  test('a bare flag asks on a terminal (twice for the login), and is a usage error without one', async () => {
    const i = io({ isTTY: true });
    expect(await resolveSecret(spec({ value: '' }), i)).toBe('typed secret');
    expect(i.asked).toEqual(['Login password: ', 'Login password again: ']);
    expect(i.warnings).toEqual([]);
    await expect(resolveSecret(spec({ value: '' }), io())).rejects.toThrow(UsageError);
    const differ = io({ isTTY: true, prompt: (q) => Promise.resolve(q) });
    await expect(resolveSecret(spec({ value: '' }), differ)).rejects.toThrow(/differ/);
  });
  test('flag and file together, or stdin twice, are usage errors', async () => {
    await expect(resolveSecret(spec({ value: 'x', file: 'pw.txt' }), io())).rejects.toThrow(
      UsageError,
    );
    await expect(
      resolveSeedSecrets(
        {
          password: spec({ file: '-' }),
          wifiPassword: spec({ flag: '--wifi-password', file: '-' }),
        },
        io(),
      ),
    ).rejects.toThrow(/only one of/);
  });
});
