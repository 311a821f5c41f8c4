import { mkdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatCacheList, listCacheReport, pruneCache } from '../../../src/commands/cache.js';
import { touchStage } from '../../../src/cache/read.js';
import { installPaths } from '../../../src/base/plan-install-cache.js';
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
