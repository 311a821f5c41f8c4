/**
 * Refreshing a cached stage (plan-refresh.ts) on the real stage this e2e run was built from. The
 * archive that "changed" is one the test makes from the stage's cached .debs
 * (test/helpers/local-archive.ts): one package of the stage has a new version and one package is
 * new, so what the refresh must do is known exactly and no publish of the real archive can race
 * it. A copy is upgraded inside its own mount namespace, in a network namespace that has nothing
 * but loopback, and comes out the way a bootstrap leaves a stage, with the package it was asked
 * to add. A package nothing needs any more (here one marked automatic on purpose, as an old kernel
 * ABI is after a kernel update) is purged.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { builtImage, e2eSkip } from './built-image.js';
import { describeNeeds, toolsReason } from '../helpers/needs.js';
import { suiteTempDir } from '../helpers/tmp.js';
import { serveFiles, type FileServer } from '../helpers/file-server.js';
import {
  makeLocalArchive,
  pickBump,
  pickOrphan,
  readStage,
  useOnly,
} from '../helpers/local-archive.js';
import { loopbackBridge, loopbackOnly } from '../helpers/loopback-only.js';
import { run } from '../../src/exec.js';
import { cacheDir } from '../../src/cache/dir.js';
import { cachePath, stagePaths } from '../../src/cache/layout.js';
import {
  packageChanges,
  refreshCommand,
  stateFromInReleases,
  type PackageChange,
} from '../../src/build/plan-refresh.js';
import { fetchArchiveState } from '../../src/apt/archive-state.js';
import { inReleaseListName, withoutOptions } from '../../src/apt/apt-sources.js';
import { rootfsSourceLines } from '../../src/build/stage-records.js';
import { dpkgQueryCommand, parseDpkgQuery } from '../../src/build/dpkg-query.js';

const dir = e2eSkip ? '' : await suiteTempDir('armada-refresh-');
// Extending a stage with a package it lacks (as `--with ovs` extends the default stage).
const synthetic = 'armada-refresh-probe';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
// Bounds at about three times what each step takes here (the refresh ~35 s, the copy ~20 s, the
// rest seconds), so that a hung tool fails the test instead of stalling it.
const bounded = { timeoutMs: 60_000 };
const byName = (a: PackageChange, b: PackageChange) => (a.name < b.name ? -1 : 1);

describeNeeds(
  {
    root: true,
    unless: toolsReason('apt-ftparchive', 'gpg', 'gpg-agent', 'gpgconf', 'dpkg-deb', 'ip'),
  },
  'refreshing a cached stage against an archive that changed',
  () => {
    let server: FileServer | undefined;
    let bridge: { close(): Promise<void> } | undefined;
    afterAll(async () => {
      await bridge?.close();
      server?.close();
    });

    it(
      'upgrades a copy from a local archive only, offline, and leaves it as a bootstrap would',
      async () => {
        const { build } = builtImage();
        const key = (build.manifest.inputs as { stageKey: string }).stageKey;
        const rootfs = join(dir, 'rootfs');
        await run(['cp', ['-a', '--reflink=auto', stagePaths(cacheDir(), key).rootfs, rootfs]], {
          timeoutMs: 120_000,
        });
        const stageSources = await rootfsSourceLines(rootfs);
        expect(stageSources.length, 'the sources the stage was made from').toBeGreaterThan(0);
        const suite = withoutOptions(stageSources[0]).split(/\s+/)[2];

        // What changes is chosen from the stage itself: a small leaf package gets a new version,
        // another one nothing needs once marked automatic is the orphan.
        const stage = await readStage(rootfs);
        const debs = cachePath(cacheDir(), 'apt', 'arm64');
        const bump = pickBump(stage, new Set(await readdir(debs)));
        expect(bump, 'a leaf package of the stage whose .deb is cached').toBeDefined();
        const orphan = pickOrphan(stage, new Set([bump!.name]));
        expect(orphan, 'a package that autoremove alone takes once marked automatic').toBeDefined();
        expect(stage.packages.map((p) => p.name)).not.toContain(synthetic);

        const archive = await makeLocalArchive({
          dir: join(dir, 'local'),
          suite,
          stage,
          debs,
          bump: bump!,
          synthetic,
        });
        server = await serveFiles(archive.root);
        const port = Number(new URL(server.url).port);
        const line = await useOnly(rootfs, archive, server.url);
        expect(line).toBe(`deb http://127.0.0.1:${port} ${suite} main`);
        const sources = await rootfsSourceLines(rootfs);
        expect(sources, 'apt in the copy knows the local archive and nothing else').toEqual([line]);

        await run(['chroot', [rootfs, 'apt-mark', 'auto', orphan!.name]], bounded);
        const before = parseDpkgQuery((await run(dpkgQueryCommand(rootfs), bounded)).stdout);

        // apt runs where only loopback exists; 127.0.0.1:port there is relayed to the server.
        const socket = join(dir, 'archive.sock');
        bridge = await loopbackBridge(port, socket);
        const aptCache = join(dir, 'apt-cache');
        const started = Date.now();
        await run(loopbackOnly(refreshCommand(rootfs, aptCache, [synthetic]), port, socket), {
          timeoutMs: 120_000,
        });
        process.stderr.write(
          `refresh-stage: ${archive.count} packages, refresh took ${Math.round((Date.now() - started) / 1000)} s\n`,
        );

        const after = parseDpkgQuery((await run(dpkgQueryCommand(rootfs), bounded)).stdout);
        const names = after.map((p) => p.name);
        expect(names).toContain('docker.io');
        expect(names).toContain(synthetic);
        expect(names, `${orphan!.name} was marked automatic and nothing needs it`).not.toContain(
          orphan!.name,
        );
        expect(packageChanges(before, after), 'exactly what the archive changed').toEqual(
          [
            { name: bump!.name, from: bump!.version, to: archive.bumped.to },
            { name: synthetic, to: archive.synthetic.version },
            { name: orphan!.name, from: before.find((p) => p.name === orphan!.name)!.version },
          ].sort(byName),
        );
        expect(archive.bumped.to).toBe(`${bump!.version}+armada1`);
        // apt downloaded the new packages from the local archive, and only those.
        const paths = server.requests.map((r) => r.path);
        expect(paths).toContain(`/dists/${suite}/InRelease`);
        expect(paths).toContain(`/${archive.bumped.file}`);
        expect(paths).toContain(`/${archive.synthetic.file}`);
        expect((await readdir(aptCache)).filter((f) => f.endsWith('.deb')).sort()).toEqual(
          [archive.bumped.file, archive.synthetic.file].map((f) => f.split('/').pop()).sort(),
        );

        expect((await run(['chroot', [rootfs, 'dpkg', '--audit']], bounded)).stdout.trim()).toBe(
          '',
        );
        await expect(stat(join(rootfs, 'usr/sbin/policy-rc.d'))).rejects.toThrow(/ENOENT/);
        expect(await readdir(join(rootfs, 'var/lib/apt/lists')), 'lists emptied').toEqual([]);
        expect(
          (await readdir(join(rootfs, 'var/cache/apt'))).filter((f) => f.endsWith('.bin')),
        ).toEqual([]);
        // Nothing stays mounted once the namespace is gone.
        expect(await readFile('/proc/self/mountinfo', 'utf8')).not.toContain(rootfs);

        // The state recorded from the InRelease apt used is the local archive's, which does not
        // change: exactly what fetching it gives, and the file the archive publishes.
        const kept = join(dir, 'inrelease');
        expect(await readdir(kept)).toEqual([inReleaseListName(line)]);
        const hashes = new Map<string, string>();
        for (const name of await readdir(kept))
          hashes.set(name, sha256(await readFile(join(kept, name))));
        const recorded = stateFromInReleases(sources, hashes);
        expect(recorded, 'every source has the InRelease apt used').toBeDefined();
        expect(recorded).toEqual(await fetchArchiveState(sources));
        expect(recorded).toEqual([sha256(await readFile(archive.inRelease))]);
      },
      4 * 60_000,
    );
  },
);
