import { describe, expect, it } from 'vitest';
import {
  heldBack,
  parseAge,
  parseSize,
  planPrune,
  supersededDebs,
  type CacheEntry,
} from '../../../src/cache/policy.js';

const GiB = 1024 ** 3;
const hour = 3_600_000;
const now = 1_800_000_000_000;
const stage = (id: string, hoursAgo: number, gib = 1.3): CacheEntry => ({
  kind: 'stage',
  id,
  path: `/c/stages/${id}`,
  bytes: gib * GiB,
  lastUsed: now - hoursAgo * hour,
});
const ids = (es: CacheEntry[]) => es.map((e) => e.id).sort();

describe('planPrune', () => {
  it('evicts least recently used stages until the rest fits the budget', () => {
    const es = [stage('a', 5), stage('b', 50), stage('c', 2), stage('d', 500)];
    expect(ids(planPrune(es, { now, maxStageBytes: 3 * GiB }))).toEqual(['b', 'd']);
    expect(ids(planPrune(es, { now, maxStageBytes: 6 * GiB }))).toEqual([]);
  });

  it('never evicts the stage a build keeps, nor one used in the last hour', () => {
    const es = [stage('old', 900), stage('busy', 0.5), stage('current', 800)];
    expect(ids(planPrune(es, { now, maxStageBytes: 0, keep: ['current'] }))).toEqual(['old']);
    expect(ids(planPrune(es, { now, all: true, keep: ['current'] }))).toEqual(['old']);
  });

  it("build --base's installed roots share the stages' budget, least recently used first", () => {
    const install = (id: string, hoursAgo: number): CacheEntry => ({
      ...stage(id, hoursAgo),
      kind: 'base-install',
      path: `/c/installs/${id}`,
    });
    const es = [stage('s-new', 3), install('i-old', 300), install('i-new', 2), stage('s-old', 400)];
    expect(ids(planPrune(es, { now, maxStageBytes: 3 * GiB }))).toEqual(['i-old', 's-old']);
    // The install the running build keeps stays, even when it is the oldest.
    expect(ids(planPrune(es, { now, maxStageBytes: 3 * GiB, keep: ['i-old'] }))).toEqual([
      's-new',
      's-old',
    ]);
    expect(ids(planPrune(es, { now, maxAgeMs: 10 * 24 * hour }))).toEqual(['i-old', 's-old']);
  });

  it('drops what was unused longer than the age limit, whatever the budget', () => {
    const es = [stage('a', 24 * 40), stage('b', 24 * 10)];
    expect(ids(planPrune(es, { now, maxAgeMs: 30 * 24 * hour }))).toEqual(['a']);
  });

  it('removes stale partial stages and superseded debs, but not a running bootstrap', () => {
    const es: CacheEntry[] = [
      { kind: 'partial-stage', id: 'x.partial', path: '/p1', bytes: 1, lastUsed: now - 2 * hour },
      { kind: 'partial-stage', id: 'y.partial', path: '/p2', bytes: 1, lastUsed: now - 9 * hour },
      {
        kind: 'superseded-deb',
        id: 'a_1_arm64.deb',
        path: '/d',
        bytes: 1,
        lastUsed: now - 3 * hour,
      },
      { kind: 'packages', id: 'arm64', path: '/apt', bytes: 1, lastUsed: now - 9000 * hour },
    ];
    expect(ids(planPrune(es, { now, maxAgeMs: hour }))).toEqual(['a_1_arm64.deb', 'y.partial']);
    expect(ids(planPrune(es, { now, all: true }))).toEqual(['a_1_arm64.deb', 'arm64', 'y.partial']);
  });
});

describe('heldBack: what the grace periods kept, so prune can say so', () => {
  const partial = (id: string, hoursAgo: number): CacheEntry => ({
    kind: 'partial-stage',
    id,
    path: `/c/stages/${id}`,
    bytes: 1,
    lastUsed: now - hoursAgo * hour,
  });
  it.each([
    ['--all', { all: true }, ['busy', 'writing.partial']],
    // A partial bootstrap goes in any prune, once no bootstrap can be writing it.
    ['over the budget', { maxStageBytes: 0 }, ['busy', 'writing.partial']],
    ['within the budget', { maxStageBytes: 100 * GiB }, ['writing.partial']],
    ['--all, the build’s own stage', { all: true, keep: ['busy'] }, ['writing.partial']],
  ] as const)('%s', (_name, policy, expected) => {
    const es = [stage('old', 900), stage('busy', 0.5), partial('writing.partial', 2)];
    const p = { now, ...policy };
    expect(ids(heldBack(es, p))).toEqual(expected);
    // Never something planPrune removes anyway.
    expect(heldBack(es, p).filter((e) => planPrune(es, p).includes(e))).toEqual([]);
  });
});

describe('planPrune: artifact sets', () => {
  it('keeps the most recently used sets and the one being written', () => {
    const set = (id: string, hoursAgo: number): CacheEntry => ({
      kind: 'artifacts',
      id,
      path: `/c/artifacts/${id}`,
      bytes: 250 << 20,
      lastUsed: now - hoursAgo * hour,
    });
    const es = [set('new', 0.1), set('older', 0.2), set('oldest', 0.3), set('current', 5)];
    const maxArtifactBytes = 600 << 20;
    expect(ids(planPrune(es, { now, maxArtifactBytes, keep: ['current'] }))).toEqual([
      'older',
      'oldest',
    ]);
    expect(ids(planPrune(es, { now, maxArtifactBytes }))).toEqual(['current', 'oldest']);
  });

  it('bmap-only sets (builds with --compress none) do not push out a compressed image', () => {
    const set = (id: string, hoursAgo: number, bytes: number): CacheEntry => ({
      kind: 'artifacts',
      id,
      path: `/c/artifacts/${id}`,
      bytes,
      lastUsed: now - hoursAgo * hour,
    });
    const es = [
      set('ovs-bmap', 0.1, 2500),
      set('based-bmap', 0.2, 2500),
      set('default-xz', 0.3, 250 << 20),
      set('bookworm-xz', 0.4, 200 << 20),
    ];
    expect(ids(planPrune(es, { now, maxArtifactBytes: 300 << 20 }))).toEqual(['bookworm-xz']);
  });
});

describe('supersededDebs', () => {
  it('keeps the newest copy of each package and arch', () => {
    const debs = [
      { file: 'docker.io_26.1.5+dfsg1-9_arm64.deb', mtimeMs: 1 },
      { file: 'docker.io_26.1.5+dfsg1-9+b1_arm64.deb', mtimeMs: 2 },
      { file: 'libc6_2.41-12_arm64.deb', mtimeMs: 1 },
      { file: 'libc6_2.41-12_armhf.deb', mtimeMs: 5 },
      { file: 'not-a-deb.txt', mtimeMs: 0 },
    ];
    expect(supersededDebs(debs).map((d) => d.file)).toEqual(['docker.io_26.1.5+dfsg1-9_arm64.deb']);
  });
});

describe('parseSize / parseAge', () => {
  it('reads the units people type', () => {
    expect(parseSize('8G')).toBe(8 * GiB);
    expect(parseSize('500MiB')).toBe(500 * 1024 ** 2);
    expect(parseSize('1.5t')).toBe(1.5 * 1024 ** 4);
    expect(parseSize('1024')).toBe(1024);
    expect(parseSize('lots')).toBeUndefined();
    expect(parseAge('7d')).toBe(7 * 24 * hour);
    expect(parseAge('12h')).toBe(12 * hour);
    expect(parseAge('7 weeks')).toBeUndefined();
  });
});
