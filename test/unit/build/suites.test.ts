import { describe, expect, it } from 'vitest';
import { resolveBuildOptions } from '../../../src/commands/build.js';
import { buildPackages, defaultPackages, packageSet } from '../../../src/build/packages.js';
import { defaultSuite, knownSuites, suiteInfo } from '../../../src/apt/suites.js';

describe('suites as data', () => {
  it('defaults to Debian 13 (trixie) with Docker, Compose v2 and buildx', () => {
    expect(defaultSuite).toBe('trixie');
    expect(suiteInfo('trixie')?.debian).toBe('13');
    const p = defaultPackages('arm64');
    for (const name of ['docker.io', 'containerd', 'docker-compose', 'docker-buildx'])
      expect(p).toContain(name);
  });

  it('keeps bookworm buildable without packages it does not have', () => {
    const p = defaultPackages('arm64', 'bookworm');
    expect(p).toContain('docker.io');
    // bookworm's docker-compose is the Python v1 tool, not the CLI plugin: never installed.
    expect(p).not.toContain('docker-compose');
    expect(p).not.toContain('docker-buildx');
  });

  it('gives a suite it has no data for the default suite’s packages', () => {
    expect(suiteInfo('forky')).toBeUndefined();
    expect(defaultPackages('arm64', 'forky')).toEqual(defaultPackages('arm64', defaultSuite));
    // Own keys only: an inherited name is not a suite.
    expect(suiteInfo('constructor')).toBeUndefined();
  });

  it('says what every suite gives and why', () => {
    for (const s of knownSuites()) {
      const info = suiteInfo(s)!;
      expect(info.why.length, s).toBeGreaterThan(20);
      expect(Object.keys(info.gives), s).toEqual(
        expect.arrayContaining(['docker', 'compose', 'buildx', 'kernel']),
      );
    }
  });

  it('adds extra packages once and sorts the set', () => {
    const set = packageSet('arm64', 'trixie', ['docker.io', 'htop']);
    expect(set.filter((p) => p === 'docker.io')).toHaveLength(1);
    expect(set).toContain('htop');
    expect([...set].sort()).toEqual(set);
  });
});

describe('features and kernel requirement groups', () => {
  it('requires the Open vSwitch and Swarm kernel groups by default, and records an explicit opt-out', () => {
    expect(resolveBuildOptions({ cacheDir: '/c' }).requireKernel).toEqual(['ovs', 'swarm']);
    expect(resolveBuildOptions({ cacheDir: '/c', requireKernel: [] }).requireKernel).toEqual([]);
    expect(resolveBuildOptions({ cacheDir: '/c', requireKernel: ['none'] }).requireKernel).toEqual(
      [],
    );
  });

  it('--with ovs adds openvswitch-switch and makes its kernel group required', () => {
    const o = resolveBuildOptions({ cacheDir: '/c', with: ['ovs'], requireKernel: [] });
    expect(o.requireKernel).toEqual(['ovs']);
    expect(buildPackages(o)).toContain('openvswitch-switch');
    expect(buildPackages(resolveBuildOptions({ cacheDir: '/c' }))).not.toContain(
      'openvswitch-switch',
    );
  });

  it('refuses an unknown feature or kernel group, naming the ones there are', () => {
    expect(() => resolveBuildOptions({ cacheDir: '/c', with: ['ovn'] })).toThrow(
      expect.objectContaining({
        details: expect.arrayContaining([expect.stringMatching(/^with 'ovn' is not one of ovs/)]),
      }),
    );
    expect(() => resolveBuildOptions({ cacheDir: '/c', requireKernel: ['ovz'] })).toThrow(
      expect.objectContaining({
        details: expect.arrayContaining([
          expect.stringMatching(/^requireKernel 'ovz' is not one of .*ovs.*none/),
        ]),
      }),
    );
  });
});
