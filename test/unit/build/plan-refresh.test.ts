import { describe, expect, it } from 'vitest';
import {
  decideStage,
  newestOfLineage,
  packageChanges,
  refreshCommand,
  stateFromInReleases,
  type StageRecord,
} from '../../../src/build/plan-refresh.js';
import { inReleaseListName, sourceLines } from '../../../src/apt/apt-sources.js';

const stage = (key: string, extra: Partial<StageRecord> = {}): StageRecord => ({
  key,
  lineage: 'L',
  family: 'F',
  packageList: ['docker.io', 'systemd'],
  archiveState: ['a1', 'a2'],
  sources: ['deb http://m/debian trixie main', 'deb http://m/debian-security trixie-security main'],
  updatedAt: '2026-11-01T00:00:00.000Z',
  ...extra,
});

/** A build of these options with an empty cache, online; each case adds what it needs. */
const situation = {
  key: 'k',
  lineage: 'L',
  family: 'F',
  packages: ['docker.io', 'systemd'],
  forceBootstrap: false,
  offline: false,
  others: [] as StageRecord[],
};

describe('decideStage', () => {
  const base = situation;

  it('reuses the stage while its archive has not moved', () => {
    expect(decideStage({ ...base, exact: stage('k'), liveState: ['a1', 'a2'] })).toEqual({
      kind: 'hit',
    });
  });

  it('upgrades the stage itself when any of its sources moved', () => {
    expect(decideStage({ ...base, exact: stage('k'), liveState: ['a1', 'b2'] })).toMatchObject({
      kind: 'refresh',
      from: 'k',
    });
  });

  it('takes an older stage as it is, and records the state, when it recorded none', () => {
    const old = stage('k', { archiveState: undefined });
    expect(decideStage({ ...base, exact: old, liveState: ['a1'] })).toEqual({
      kind: 'hit',
      recordState: ['a1'],
    });
  });

  it('uses the stage as it is when the archive could not be reached', () => {
    expect(decideStage({ ...base, exact: stage('k') })).toEqual({ kind: 'hit' });
  });

  it('upgrades the newest stage of the same lineage when the key is new', () => {
    const others = [
      stage('old', { updatedAt: '2026-10-01T00:00:00.000Z' }),
      stage('newer', { updatedAt: '2026-11-20T00:00:00.000Z' }),
      stage('other-options', { lineage: 'M', updatedAt: '2026-12-01T00:00:00.000Z' }),
    ];
    expect(decideStage({ ...base, others })).toMatchObject({
      kind: 'refresh',
      from: 'newer',
      install: [],
    });
  });

  it('extends the closest stage of the same options whose packages are a subset', () => {
    const packages = ['docker.io', 'openvswitch-switch', 'systemd'];
    const others = [
      stage('default', { lineage: 'D', packageList: ['docker.io', 'systemd'] }),
      stage('smaller', { lineage: 'S', packageList: ['systemd'], updatedAt: '2026-12-01' }),
      stage('superset', { lineage: 'X', packageList: [...packages, 'vim'] }),
      stage('other-arch', { lineage: 'A', family: 'G', packageList: ['systemd'] }),
    ];
    expect(decideStage({ ...base, lineage: 'O', packages, others })).toMatchObject({
      kind: 'refresh',
      from: 'default',
      install: ['openvswitch-switch'],
    });
    // A stage with a package this build does not want is never a base: it cannot be uninstalled.
    expect(
      decideStage({ ...base, lineage: 'O', packages, others: [others[2], others[3]] }),
    ).toMatchObject({ kind: 'bootstrap' });
  });

  it('bootstraps with no stage of the lineage, and always with --refresh', () => {
    expect(
      decideStage({ ...base, others: [stage('x', { lineage: 'M', family: 'G' })] }),
    ).toMatchObject({
      kind: 'bootstrap',
    });
    expect(
      decideStage({
        ...base,
        forceBootstrap: true,
        exact: stage('k'),
        liveState: ['a1', 'a2'],
        others: [stage('p')],
      }),
    ).toMatchObject({ kind: 'bootstrap' });
  });
});

describe('decideStage offline', () => {
  const base = { ...situation, offline: true };
  const ovs = ['docker.io', 'openvswitch-switch', 'systemd'];
  const miss = (why: string) => ({ kind: 'missing', why });

  it.each([
    {
      what: 'the exact stage is used as it is',
      s: { ...base, exact: stage('k') },
      decision: { kind: 'hit' },
    },
    {
      what: 'a stage without a recorded archive state keeps it unrecorded',
      s: { ...base, exact: stage('k', { archiveState: undefined }), liveState: ['a1'] },
      decision: { kind: 'hit' },
    },
    {
      what: 'a moved archive (were it known) upgrades nothing',
      s: { ...base, exact: stage('k'), liveState: ['b1', 'b2'] },
      decision: { kind: 'hit' },
    },
    {
      what: 'an older stage of these options would need an upgrade',
      s: { ...base, others: [stage('old'), stage('other', { lineage: 'M', family: 'G' })] },
      decision: miss(
        'the cached stage old of these options is of another archive state, and upgrading it needs the archive',
      ),
    },
    {
      what: 'a stage with fewer packages would need an install',
      s: {
        ...base,
        lineage: 'O',
        packages: ovs,
        others: [stage('default', { lineage: 'D' })],
      },
      decision: miss('the cached stage default lacks the package openvswitch-switch'),
    },
    {
      what: 'a stage lacking several packages names them all',
      s: {
        ...base,
        lineage: 'O',
        packages: [...ovs, 'vim'],
        others: [stage('default', { lineage: 'D' })],
      },
      decision: miss('the cached stage default lacks the packages openvswitch-switch vim'),
    },
    {
      what: 'a stage of the same packages under another SOURCE_DATE_EPOCH',
      s: { ...base, lineage: 'E', others: [stage('epoch', { lineage: 'D' })] },
      decision: miss(
        'the cached stage epoch of these packages was made under another SOURCE_DATE_EPOCH',
      ),
    },
    {
      what: 'nothing of these options would need a bootstrap',
      s: { ...base, others: [stage('x', { lineage: 'M', family: 'G' })] },
      decision: miss('no cached stage for these options'),
    },
    {
      what: 'an empty cache would need a bootstrap',
      s: base,
      decision: miss('no cached stage for these options'),
    },
    {
      what: '--refresh needs the archive even with the exact stage cached',
      s: { ...base, forceBootstrap: true, exact: stage('k') },
      decision: miss('--refresh asks for a fresh bootstrap from the archive'),
    },
  ])('$what', ({ s, decision }) => {
    expect(decideStage(s)).toEqual(decision);
    // The same situation with the archive reachable decides otherwise unless it is a plain hit.
    const online = decideStage({ ...s, offline: false });
    if (decision.kind === 'missing') expect(online.kind).not.toBe('hit');
  });
});

describe('newestOfLineage', () => {
  it('picks the stage of the lineage updated last, and none of another lineage', () => {
    const records = [
      stage('old', { updatedAt: '2026-10-01T00:00:00.000Z' }),
      stage('undated', { updatedAt: undefined }),
      stage('new', { updatedAt: '2026-11-20T00:00:00.000Z' }),
      stage('other', { lineage: 'M', updatedAt: '2026-12-01T00:00:00.000Z' }),
    ];
    expect(newestOfLineage(records, 'L')?.key).toBe('new');
    expect(newestOfLineage(records, 'M')?.key).toBe('other');
    expect(newestOfLineage(records, 'N')).toBeUndefined();
    expect(newestOfLineage([stage('undated', { updatedAt: undefined })], 'L')?.key).toBe('undated');
  });
});

describe('packageChanges', () => {
  it('lists upgraded, new and removed packages by name', () => {
    const before = [
      { name: 'docker.io', version: '26.1.5+dfsg1-9+b9' },
      { name: 'linux-image-6.12.57+deb13-arm64', version: '6.12.57-1' },
      { name: 'zlib1g', version: '1:1.3' },
    ];
    const after = [
      { name: 'docker.io', version: '26.1.5+dfsg1-9+b10' },
      { name: 'linux-image-6.12.63+deb13-arm64', version: '6.12.63-1' },
      { name: 'zlib1g', version: '1:1.3' },
    ];
    expect(packageChanges(before, after)).toEqual([
      { name: 'docker.io', from: '26.1.5+dfsg1-9+b9', to: '26.1.5+dfsg1-9+b10' },
      { name: 'linux-image-6.12.57+deb13-arm64', from: '6.12.57-1' },
      { name: 'linux-image-6.12.63+deb13-arm64', to: '6.12.63-1' },
    ]);
    expect(packageChanges(before, before)).toEqual([]);
  });
});

describe('archive state from the InRelease files apt used', () => {
  it('names lists files the way apt does', () => {
    expect(inReleaseListName('deb http://m.example/debian trixie main')).toBe(
      'm.example_debian_dists_trixie_InRelease',
    );
    expect(
      inReleaseListName('deb [signed-by=/k.gpg] https://u:p@m.example/a_b/ x-updates main'),
    ).toBe('m.example_a%5fb_dists_x-updates_InRelease');
    expect(inReleaseListName('deb http://m.example:8080/debian/ trixie main')).toBe(
      'm.example:8080_debian_dists_trixie_InRelease',
    );
  });

  it('maps each source to its hash, or gives up when one is missing', () => {
    const sources = ['deb http://m/debian trixie main', 'deb http://m/debian trixie-updates main'];
    const hashes = new Map([
      ['m_debian_dists_trixie_InRelease', 'h1'],
      ['m_debian_dists_trixie-updates_InRelease', 'h2'],
    ]);
    expect(stateFromInReleases(sources, hashes)).toEqual(['h1', 'h2']);
    expect(stateFromInReleases(sources, new Map([...hashes].slice(0, 1)))).toBeUndefined();
    // Not fetched over HTTP: no state, as fetchArchiveState gives.
    expect(stateFromInReleases(['deb file:/srv/repo stable main'], new Map())).toEqual(['']);
  });

  it('reads sources of both formats as one line per URI and suite', () => {
    expect(
      sourceLines([
        {
          types: ['deb'],
          uris: ['http://m/debian'],
          suites: ['trixie', 'trixie-updates'],
          components: ['main'],
        },
        { types: ['deb-src'], uris: ['http://m/debian'], suites: ['trixie'], components: ['main'] },
      ]),
    ).toEqual(['deb http://m/debian trixie main', 'deb http://m/debian trixie-updates main']);
  });
});

describe('refreshCommand', () => {
  it('upgrades inside a private mount namespace, with services held back and old kernels purged', () => {
    const [file, args] = refreshCommand('/c/stages/k.partial/rootfs', '/c/apt/arm64');
    expect(file).toBe('unshare');
    expect(args.slice(0, 4)).toEqual(['--mount', '--propagation', 'private', '--']);
    expect(args.slice(-2)).toEqual(['/c/stages/k.partial/rootfs', '/c/apt/arm64']);
    // Package names are arguments after the paths, never part of the script.
    const [, withInstall] = refreshCommand('/r', '/c', ['openvswitch-switch', '$(reboot)']);
    expect(withInstall.slice(-4)).toEqual(['/r', '/c', 'openvswitch-switch', '$(reboot)']);
    expect(withInstall[withInstall.indexOf('-c') + 1]).not.toContain('reboot');
    const script = args[args.indexOf('-c') + 1];
    const order = [
      'policy-rc.d',
      ' update',
      ' dist-upgrade',
      'install -- "$@"',
      'Protect-Kernels=false',
      'lists/*',
    ];
    const at = order.map((s) => script.indexOf(s));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(script).toContain('--force-confold');
  });
});
