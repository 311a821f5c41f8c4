import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatCacheList, listCacheReport, pruneCache } from '../../../src/commands/cache.js';
import { touchStage } from '../../../src/cache/read.js';
import { installPaths } from '../../../src/cache/layout.js';
import { useInstall } from '../../../src/base/install-cache.js';
import { safeRemoveTree } from '../../../src/safe-remove.js';
import { describeNeeds } from '../../helpers/needs.js';
import { unlessMissing } from '../../../src/fs-errors.js';
import { suiteTempDir } from '../../helpers/tmp.js';

const pathExists = (p: string) =>
  unlessMissing(
    stat(p).then(() => true),
    false,
  );
const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000);

/** An installed base as build --base leaves it, last used `days` ago. */
async function install(cache: string, key: string, days: number) {
  const p = installPaths(cache, key);
  await mkdir(join(p.rootfs, 'usr/sbin'), { recursive: true });
  await writeFile(join(p.rootfs, 'usr/sbin/dockerd'), 'x'.repeat(4096));
  await writeFile(
    p.complete,
    JSON.stringify({
      key,
      baseSha256: 'c'.repeat(64),
      arch: 'arm64',
      codename: 'bookworm',
      bytes: 8192,
    }),
  );
  await touchStage(p.dir);
  await utimes(join(p.dir, 'last-used'), daysAgo(days), daysAgo(days));
  return p.dir;
}

describe("armada cache: build --base's installed roots", () => {
  it('lists them, prunes those unused for too long and the leftovers of an interrupted store', async () => {
    const cache = await suiteTempDir('armada-cache-installs-');
    const fresh = await install(cache, '00000000000000aa', 2);
    const old = await install(cache, '00000000000000bb', 40);
    const partial = `${installPaths(cache, '00000000000000cc').partialPrefix}Xy12`;
    await mkdir(join(partial, 'rootfs'), { recursive: true });
    await utimes(partial, daysAgo(1), daysAgo(1));

    const report = await listCacheReport(cache);
    expect(report.entries.map((e) => [e.kind, e.id])).toEqual([
      ['base-install', '00000000000000aa'],
      ['base-install', '00000000000000bb'],
      ['partial-stage', 'installs/00000000000000cc.partial-Xy12'],
    ]);
    expect(formatCacheList(report)).toMatch(
      /base-install .* 00000000000000aa {2}bookworm arm64 \+ Docker, base cccccccccccccccc…/,
    );

    const pruned = await pruneCache({}, cache);
    expect(pruned.removed.map((e) => e.path).sort()).toEqual([old, partial].sort());
    expect(await pathExists(old)).toBe(false);
    expect(await pathExists(partial)).toBe(false);
    expect(await pathExists(fresh)).toBe(true);
    await pruneCache({ all: true }, cache);
    expect(await pathExists(fresh)).toBe(false);
  });
});

describeNeeds({ root: true }, "build --base: a cached installed root as this build's root", () => {
  it('changes go to the work dir, the entry stays as it was, and removing the work dir unmounts it', async () => {
    const tmp = await suiteTempDir('armada-use-install-');
    // Cache and work dir on one filesystem, as ~/.cache and /var/tmp usually are.
    const cache = join(tmp, 'cache');
    const key = '00000000000000dd';
    const entry = await install(cache, key, 0);
    const lower = join(entry, 'rootfs');
    await mkdir(join(lower, 'etc/ssh'), { recursive: true });
    await writeFile(join(lower, 'etc/ssh/ssh_host_ed25519_key'), 'host key\n');
    await writeFile(join(lower, 'etc/machine-id'), 'ab'.repeat(16));
    const workDir = join(tmp, 'work');
    await mkdir(workDir);

    const { rootfs, how } = await useInstall(cache, key, workDir);
    expect(how).toBe('overlay');
    await writeFile(join(rootfs, 'etc/machine-id'), '');
    await rm(join(rootfs, 'etc/ssh/ssh_host_ed25519_key'));
    await writeFile(join(rootfs, 'etc/docker.json'), '{}');
    expect(await readFile(join(rootfs, 'usr/sbin/dockerd'), 'utf8')).toHaveLength(4096);
    // The root is sized with du -x: the entry's files count, they are on the overlay's device.
    const du = execFileSync('du', ['-sx', '--block-size=1', rootfs], { encoding: 'utf8' });
    expect(Number(du.split(/\s/)[0])).toBeGreaterThanOrEqual(4096);

    expect(await readFile(join(lower, 'etc/machine-id'), 'utf8')).toBe('ab'.repeat(16));
    expect(await pathExists(join(lower, 'etc/ssh/ssh_host_ed25519_key'))).toBe(true);
    expect(await pathExists(join(lower, 'etc/docker.json'))).toBe(false);

    await safeRemoveTree(workDir);
    expect(readFileSync('/proc/self/mounts', 'utf8')).not.toContain(rootfs);
    expect(await pathExists(workDir)).toBe(false);
    expect(await readFile(join(lower, 'usr/sbin/dockerd'), 'utf8')).toHaveLength(4096);
  });
});
