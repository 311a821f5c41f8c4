import { expect, test } from 'vitest';
import { effectiveDefaults, parseDefaults, withDefaults } from '../../../src/config/defaults.js';

test('parseDefaults: known keys only, strings (sshKey: a list too), every problem at once', () => {
  expect(parseDefaults('{"wifiCountry":"DE","sshKey":["a.pub","b.pub"]}', 'c.json')).toEqual({
    wifiCountry: 'DE',
    sshKey: ['a.pub', 'b.pub'],
  });
  const e = (() => {
    try {
      parseDefaults('{"wifi":"x","user":3}', 'c.json');
    } catch (error) {
      return error as { message: string; details: string[] };
    }
  })();
  expect(e?.message).toMatch(/c\.json has problems/);
  expect(e?.details).toHaveLength(2);
  expect(() => parseDefaults('[1]', 'c.json')).toThrow(/one JSON object/);
  expect(() => parseDefaults('{', 'c.json')).toThrow(/not JSON/);
});

test('flags win over the environment, the environment over the file', () => {
  const defaults = effectiveDefaults(
    { wifiCountry: 'DE', tls: 'laptop', sshKey: ['k.pub'] },
    { ARMADA_TLS: 'device', ARMADA_USER: '' },
  );
  expect(defaults).toEqual([
    { key: 'wifiCountry', value: 'DE', source: 'file' },
    { key: 'sshKey', value: ['k.pub'], source: 'file' },
    { key: 'tls', value: 'device', source: 'env' },
  ]);
  expect(withDefaults({ wifiCountry: 'GB' }, defaults)).toEqual({
    wifiCountry: 'GB',
    sshKey: ['k.pub'],
    tls: 'device',
  });
  expect(withDefaults({}, effectiveDefaults({}, { ARMADA_SSH_KEY: 'a.pub:b.pub' })).sshKey).toEqual(
    ['a.pub', 'b.pub'],
  );
});
