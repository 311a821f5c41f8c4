/**
 * DEBUG gets `-modem` before dockerode loads, so docker-modem never logs a request's options (the
 * client's private key among them); every other namespace the user asked for stays on. Checked
 * with the `debug` module docker-modem itself loads.
 */
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { withoutModemDebug } from '../../../src/swarm/dockerode.js';

interface Debug {
  enable(namespaces: string): void;
  enabled(name: string): boolean;
}
// The very instance docker-modem's require('debug') gets.
const require = createRequire(import.meta.url);
const debug = createRequire(require.resolve('docker-modem'))('debug') as Debug;

describe('withoutModemDebug', () => {
  test.each([
    [undefined, undefined],
    ['', ''],
    ['modem', 'modem,-modem'],
    ['*', '*,-modem'],
    ['express:*, modem', 'express:*,modem,-modem'],
    ['mod*', 'mod*,-modem'],
    ['app,-modem', 'app,-modem'],
  ])('%j → %j', (value, expected) => {
    expect(withoutModemDebug(value)).toBe(expected);
  });

  test.each(['modem', '*', 'mod*', 'express:*,modem', 'modem express:router'])(
    'DEBUG=%s: modem off, the rest as asked',
    (value) => {
      debug.enable(value);
      expect(debug.enabled('modem')).toBe(true);
      debug.enable(withoutModemDebug(value) ?? '');
      expect(debug.enabled('modem')).toBe(false);
      if (value !== 'modem' && value !== 'mod*') expect(debug.enabled('express:router')).toBe(true);
      debug.enable('');
    },
  );
});
