/**
 * `armada cache ls|prune` on a cache directory laid out like a real one (small stand-in stages,
 * package files, a leftover partial bootstrap), through the CLI.
 */
import { mkdir, utimes, writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { armada } from '../../helpers/cli.js';
import { defaultPackages } from '../../../src/build/packages.js';
import { suiteTempDir } from '../../helpers/tmp.js';

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);

async function fakeCache(dir: string): Promise<void> {
  const stage = async (key: string, hours: number, mib: number, extra: string[] = []) => {
    const d = join(dir, 'stages', key);
    await mkdir(join(d, 'rootfs'), { recursive: true });
    await writeFile(join(d, 'rootfs', 'blob'), Buffer.alloc(mib << 20, 1));
    const packageList = [...defaultPackages('arm64', 'trixie'), ...extra].sort();
    await writeFile(
      join(d, 'complete.json'),
      JSON.stringify({ key, arch: 'arm64', suite: 'trixie', bytes: mib << 20, packageList }),
    );
    await writeFile(join(d, 'last-used'), '');
    await utimes(join(d, 'last-used'), hoursAgo(hours), hoursAgo(hours));
  };
  await stage('aaaa', 3, 3);
  await stage('bbbb', 30, 3, ['openvswitch-switch']);
  await stage('cccc', 24 * 40, 1);
  const partial = join(dir, 'stages', 'dddd.partial');
  await mkdir(join(partial, 'rootfs'), { recursive: true });
  for (const p of [join(partial, 'rootfs'), partial]) await utimes(p, hoursAgo(10), hoursAgo(10));
  const apt = join(dir, 'apt', 'arm64');
  await mkdir(apt, { recursive: true });
  for (const [f, h] of [
    ['docker.io_26.1.5_arm64.deb', 50],
    ['docker.io_26.1.6_arm64.deb', 5],
  ] as const) {
    await writeFile(join(apt, f), 'deb');
    await utimes(join(apt, f), hoursAgo(h), hoursAgo(h));
  }
}

describe('armada cache', () => {
  it('lists stages with size, last use and what they are', async () => {
    const dir = join(await suiteTempDir('armada-cache-'), 'c');
    await fakeCache(dir);
    const r = await armada(['cache', 'ls', '--json'], { env: { ARMADA_CACHE_DIR: dir } });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { entries: { kind: string; id: string }[] };
    expect(report.entries.map((e) => `${e.kind}:${e.id}`).sort()).toEqual([
      'packages:arm64 (1 current .deb files)',
      'partial-stage:dddd.partial',
      'stage:aaaa',
      'stage:bbbb',
      'stage:cccc',
      'superseded-deb:docker.io_26.1.5_arm64.deb',
    ]);
    const human = await armada(['cache'], { env: { ARMADA_CACHE_DIR: dir } });
    expect(human.stdout).toMatch(/stage\s+3 MiB\s+3 h ago\s+aaaa\s+trixie arm64\n/);
    // Stages of one suite told apart by what they hold beyond the default packages.
    expect(human.stdout).toMatch(/bbbb\s+trixie arm64 \+ openvswitch-switch\n/);
  });

  it('prunes to a budget, least recently used first; --dry-run removes nothing', async () => {
    const dir = join(await suiteTempDir('armada-cache-'), 'c');
    await fakeCache(dir);
    const env = { ARMADA_CACHE_DIR: dir };
    const dry = await armada(['cache', 'prune', '--max-size', '4M', '--dry-run'], { env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/would remove stage bbbb/);
    expect((await readdir(join(dir, 'stages'))).sort()).toEqual([
      'aaaa',
      'bbbb',
      'cccc',
      'dddd.partial',
    ]);
    const r = await armada(['cache', 'prune', '--max-size', '4M'], { env });
    expect(r.code, r.stderr).toBe(0);
    // cccc: unused for 40 days; bbbb: over the budget; the partial: a stale leftover.
    expect(await readdir(join(dir, 'stages'))).toEqual(['aaaa']);
    expect(await readdir(join(dir, 'apt', 'arm64'))).toEqual(['docker.io_26.1.6_arm64.deb']);
    const all = await armada(['cache', 'prune', '--all'], { env });
    expect(all.code, all.stderr).toBe(0);
    // aaaa was used 3 h ago: --all still takes it (only the last hour is protected).
    expect(await readdir(join(dir, 'stages'))).toEqual([]);
    expect(await readdir(join(dir, 'apt'))).toEqual([]);
  });

  it('refuses a size or age it cannot read, with usage exit 2', async () => {
    const r = await armada(['cache', 'prune', '--max-size', 'huge']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--max-size huge is not a size; write it like 4G/);
  });
});
