import { describe, expect, test } from 'vitest';
import { configDirFor, configPaths, sudoUserFrom } from '../../../src/config-dir.js';

describe('configDirFor', () => {
  test.each([
    [{ ARMADA_CONFIG_DIR: '/x/armada', XDG_CONFIG_HOME: '/y' }, 'linux', '/x/armada'],
    [{ XDG_CONFIG_HOME: '/y' }, 'linux', '/y/armada'],
    [{}, 'linux', '/home/ann/.config/armada'],
    [{}, 'darwin', '/home/ann/Library/Application Support/armada'],
  ] as const)('%j on %s', (env, platform, expected) => {
    expect(configDirFor({ env, platform, home: '/home/ann' })).toBe(expected);
  });

  test('paths follow the seed contract', () => {
    expect(configPaths('/c')).toEqual({
      root: '/c',
      caDir: '/c/ca',
      caCert: '/c/ca/ca.pem',
      caKey: '/c/ca/ca-key.pem',
      clientDir: '/c/client',
      deviceKey: '/c/device-client/key.pem',
      hostsDir: '/c/hosts',
    });
  });
});

describe('sudoUserFrom', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/bash\nann:x:1000:1000:Ann,,,:/home/ann:/bin/bash\n';
  test('root under sudo: the caller and their home', () => {
    expect(sudoUserFrom({ SUDO_UID: '1000', SUDO_GID: '1000' }, passwd, 0)).toEqual({
      uid: 1000,
      gid: 1000,
      home: '/home/ann',
    });
  });
  test.each([
    [{ SUDO_UID: '1000', SUDO_GID: '1000' }, 1000],
    [{}, 0],
    [{ SUDO_UID: '0', SUDO_GID: '0' }, 0],
    [{ SUDO_UID: '1001', SUDO_GID: '1001' }, 0],
    [{ SUDO_UID: 'x', SUDO_GID: '1' }, 0],
  ])('otherwise nobody: %j uid %d', (env, uid) => {
    expect(sudoUserFrom(env, passwd, uid)).toBeUndefined();
  });
});
