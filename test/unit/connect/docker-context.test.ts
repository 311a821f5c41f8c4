import { expect, test } from 'vitest';
import {
  contextDescription,
  contextDescriptionOf,
  contextNameFor,
  contextNamePattern,
} from '../../../src/connect/docker-context.js';

test.each([
  ['pi-1.local', 'pi-1'],
  ['x.local', 'armada-x'],
  ['x', 'armada-x'],
  ['192.168.1.5', '192.168.1.5'],
  ['fe80::1', 'fe80--1'],
  ['-odd', 'armada--odd'],
])('contextNameFor(%s) = %s, a name docker accepts', (host, name) => {
  expect(contextNameFor(host)).toBe(name);
  expect(contextNamePattern.test(name)).toBe(true);
});

test('contextDescriptionOf reads docker context inspect output', () => {
  const json = (d?: string) =>
    JSON.stringify([{ Name: 'pi-1', Metadata: d === undefined ? {} : { Description: d } }]);
  expect(contextDescriptionOf(json(contextDescription))).toBe(contextDescription);
  expect(contextDescriptionOf(json())).toBeUndefined();
  expect(contextDescriptionOf('not json')).toBeUndefined();
});
