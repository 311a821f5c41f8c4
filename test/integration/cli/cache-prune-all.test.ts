/**
 * `armada cache prune --all` keeps what was used within the last hour (a build may be copying
 * it): the output, human and --json, says what it kept and why.
 */
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { armada, buildCli } from '../../helpers/cli.js';
import { suiteTempDir } from '../../helpers/tmp.js';

await buildCli();

async function stage(cache: string, key: string, hoursAgo: number): Promise<void> {
  const d = join(cache, 'stages', key);
  await mkdir(join(d, 'rootfs'), { recursive: true });
  await writeFile(join(d, 'rootfs', 'blob'), Buffer.alloc(1 << 20, 1));
  await writeFile(
    join(d, 'complete.json'),
    JSON.stringify({ key, arch: 'arm64', suite: 'trixie', bytes: 1 << 20 }),
  );
  await writeFile(join(d, 'last-used'), '');
  const t = new Date(Date.now() - hoursAgo * 3_600_000);
  await utimes(join(d, 'last-used'), t, t);
}

test('--all removes the rest and names what it kept', async () => {
  const cache = join(await suiteTempDir('armada-prune-all-'), 'c');
  await stage(cache, 'old0', 5);
  await stage(cache, 'busy', 0.2);
  const env = { ARMADA_CACHE_DIR: cache };

  const dry = await armada(['cache', 'prune', '--all', '--dry-run', '--json'], { env });
  expect(dry.code, dry.stderr).toBe(0);
  const doc = JSON.parse(dry.stdout) as {
    removed: { id: string }[];
    heldBack: { kind: string; id: string }[];
  };
  expect(doc.removed.map((e) => e.id)).toEqual(['old0']);
  expect(doc.heldBack).toEqual([expect.objectContaining({ kind: 'stage', id: 'busy' })]);

  const r = await armada(['cache', 'prune', '--all'], { env });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/removed stage old0/);
  expect(r.stdout).toMatch(
    /^kept what a running build may be using, 1 MiB \(prune again later\): stage busy \(used within the last hour\)$/m,
  );
  expect(await readdir(join(cache, 'stages'))).toEqual(['busy']);

  const help = await armada(['cache', 'prune', '--help']);
  expect(help.stdout).toMatch(/--all\s+Remove everything not used within the last hour/);
});
