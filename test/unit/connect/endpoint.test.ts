import { describe, expect, test } from 'vitest';
import { dockerEndpoint, parseHostPort, resolveHostPort } from '../../../src/connect/endpoint.js';
import { UsageError } from '../../../src/errors.js';

describe('parseHostPort', () => {
  test.each([
    ['pi-1.local', { host: 'pi-1.local' }],
    ['pi-1.local:2376', { host: 'pi-1.local', port: 2376 }],
    ['192.168.1.5:2376', { host: '192.168.1.5', port: 2376 }],
    ['192.168.1.5', { host: '192.168.1.5' }],
    ['[fe80::1]:2377', { host: 'fe80::1', port: 2377 }],
    ['[fe80::1]', { host: 'fe80::1' }],
    ['fe80::1', { host: 'fe80::1' }],
    ['2001:db8::5', { host: '2001:db8::5' }],
    ['tcp://pi-1.local:2376', { host: 'pi-1.local', port: 2376 }],
    ['tcp://[::1]:2376/', { host: '::1', port: 2376 }],
  ])('%s', (input, expected) => expect(parseHostPort(input)).toEqual(expected));

  test.each(['pi:0', 'pi:65536', 'pi:abc', 'pi:', '[::1]:x'])('%s: not a port', (input) =>
    expect(() => parseHostPort(input)).toThrow(UsageError),
  );
});

describe('resolveHostPort', () => {
  test('the default port, --port, or the one in the host', () => {
    expect(resolveHostPort('pi')).toEqual({ host: 'pi', port: 2376 });
    expect(resolveHostPort('pi', 2400)).toEqual({ host: 'pi', port: 2400 });
    expect(resolveHostPort('pi:2400')).toEqual({ host: 'pi', port: 2400 });
    expect(resolveHostPort('pi:2400', 2400)).toEqual({ host: 'pi', port: 2400 });
  });
  test('two different ports, or a bad --port, are usage errors', () => {
    expect(() => resolveHostPort('pi:2400', 2376)).toThrow(/port 2400 but --port says 2376/);
    expect(() => resolveHostPort('pi', 70000)).toThrow(UsageError);
    expect(() => resolveHostPort('pi', NaN)).toThrow(UsageError);
  });
});

test('dockerEndpoint brackets IPv6 literals only', () => {
  expect(dockerEndpoint('pi-1.local', 2376)).toBe('tcp://pi-1.local:2376');
  expect(dockerEndpoint('fe80::1', 2376)).toBe('tcp://[fe80::1]:2376');
});
