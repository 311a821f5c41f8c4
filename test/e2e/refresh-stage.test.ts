/**
 * Refreshing a cached stage (plan-refresh.ts) on the real stage this e2e run was built from: a
 * copy is upgraded against the real archive inside its own mount namespace and comes out the way
 * a bootstrap leaves a stage, with the package it was asked to add. A package nothing needs any
 * more (here one marked automatic on purpose, as an old kernel ABI is after a kernel update) is
 * purged.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { builtImage, e2eSkip } from './built-image.js';
import { describeNeeds } from '../helpers/needs.js';
import { suiteTempDir } from '../helpers/tmp.js';
import { run } from '../../src/exec.js';
import { cacheDir } from '../../src/cache/dir.js';
import { stagePaths } from '../../src/build/stage-cache.js';
import { refreshCommand, stateFromInReleases } from '../../src/build/plan-refresh.js';
import { fetchArchiveState } from '../../src/build/archive-state.js';
import { rootfsSourceLines } from '../../src/build/stage-records.js';
import { dpkgQueryCommand, parseDpkgQuery } from '../../src/build/steps/inventory-packages.js';

const dir = e2eSkip ? '' : await suiteTempDir('armada-refresh-');
const orphan = 'iw';
// Extending a stage with a package it lacks (as `--with ovs` extends the default stage).
const extra = 'tree';

describeNeeds({ root: true }, 'refreshing a cached stage against the archive', () => {
  it(
    'upgrades a copy in a private namespace and leaves it as a bootstrap would',
    async () => {
      const { build } = builtImage();
      const key = (build.manifest.inputs as { stageKey: string }).stageKey;
      const rootfs = join(dir, 'rootfs');
      await run(['cp', ['-a', '--reflink=auto', stagePaths(cacheDir(), key).rootfs, rootfs]]);
      await run(['chroot', [rootfs, 'apt-mark', 'auto', orphan]]);
      const sources = await rootfsSourceLines(rootfs);
      expect(sources.length).toBeGreaterThan(0);
      // The archive publishes several times a day; one may land while apt runs (CI saw it).
      const before = await fetchArchiveState(sources);

      await run(refreshCommand(rootfs, join(cacheDir(), 'apt', 'arm64'), [extra]), {
        timeoutMs: 20 * 60_000,
      });

      const names = parseDpkgQuery((await run(dpkgQueryCommand(rootfs))).stdout).map((p) => p.name);
      expect(names).toContain('docker.io');
      expect(names).toContain(extra);
      expect(names, `${orphan} was marked automatic and nothing needs it`).not.toContain(orphan);
      expect((await run(['chroot', [rootfs, 'dpkg', '--audit']])).stdout.trim()).toBe('');
      await expect(stat(join(rootfs, 'usr/sbin/policy-rc.d'))).rejects.toThrow(/ENOENT/);
      expect(await readdir(join(rootfs, 'var/lib/apt/lists'))).not.toContain(
        expect.stringMatching(/_Packages/),
      );
      // Nothing stays mounted once the namespace is gone.
      expect(await readFile('/proc/self/mountinfo', 'utf8')).not.toContain(rootfs);
      // The state recorded from the InRelease files apt used is the archive's state at that time:
      // per source, what was published just before the refresh or just after it.
      const kept = join(dir, 'inrelease');
      const hashes = new Map<string, string>();
      for (const name of await readdir(kept))
        hashes.set(
          name,
          createHash('sha256')
            .update(await readFile(join(kept, name)))
            .digest('hex'),
        );
      const after = await fetchArchiveState(sources);
      const recorded = stateFromInReleases(sources, hashes);
      expect(recorded, 'every source has the InRelease apt used').toBeDefined();
      recorded!.forEach((hash, i) =>
        expect([before[i], after[i]], `InRelease apt used for ${sources[i]}`).toContain(hash),
      );
    },
    25 * 60_000,
  );
});
