/**
 * `armada build --offline`: from the cache alone, never the network. With nothing cached it fails
 * at once with one line naming the fix and leaves --out alone; with the stage of its options
 * cached it takes that stage as it is, asking no archive. Every run here names an explicit mirror
 * that nothing listens on, and the CLI runs without a network (unshare -n): a build that asked
 * the archive would fail with "the package mirror is unreachable" instead.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, expect, it, vi } from 'vitest';
import { resolveBuildOptions, type BuildRequest } from '../../../src/commands/build.js';
import type { BuildContext } from '../../../src/build/context.js';
import { buildPackages } from '../../../src/build/packages.js';
import { checkHost } from '../../../src/build/steps/check-host.js';
import { findStage } from '../../../src/build/steps/find-stage.js';
import { refreshStage } from '../../../src/build/steps/refresh-stage.js';
import { bootstrapRootfs } from '../../../src/build/steps/bootstrap-rootfs.js';
import { checkPackages } from '../../../src/build/steps/check-packages.js';
import { copyRootfs } from '../../../src/build/steps/copy-rootfs.js';
import { openBase } from '../../../src/build/steps/open-base.js';
import { sha256OfFile } from '../../../src/source/checksum.js';
import { makeStandIn } from '../../helpers/base-image.js';
import { stagePaths } from '../../../src/cache/layout.js';
import { runSteps } from '../../../src/progress.js';
import { withCleanup } from '../../../src/cleanup.js';
import { OptionError } from '../../../src/errors.js';
import { buildCli } from '../../helpers/cli.js';
import { describeNeeds, toolsReason } from '../../helpers/needs.js';
import { suiteTempDir } from '../../helpers/tmp.js';

const bin = new URL('../../../bin/armada.js', import.meta.url).pathname;
/** Nothing listens on the discard port: asking this mirror fails at once. */
const deadMirror = 'http://127.0.0.1:9/debian';
const fix = 'run the same build once with network access to fill the cache, or drop --offline';

/** `armada build` as a person runs it, in a network namespace of its own (no network at all). */
function offlineBuild(args: string[], cacheDir: string) {
  const started = Date.now();
  const r = spawnSync('unshare', ['-n', process.execPath, bin, 'build', ...args], {
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, ARMADA_CACHE_DIR: cacheDir, CI: '1', NO_COLOR: '1' },
  });
  return { status: r.status, stderr: r.stderr, seconds: (Date.now() - started) / 1000 };
}

const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('armada:'));

describeNeeds(
  { root: true, unless: toolsReason('unshare') },
  'armada build --offline with nothing cached',
  () => {
    let dir: string;
    let out: string;
    beforeAll(async () => {
      await buildCli();
      dir = await suiteTempDir('armada-offline-');
      out = join(dir, 'out');
      await mkdir(out);
      await writeFile(join(out, 'previous-release.img.xz'), 'keep me');
    });

    const untouched = async () => {
      expect((await readdir(out)).sort()).toEqual(['previous-release.img.xz']);
      expect(await readFile(join(out, 'previous-release.img.xz'), 'utf8')).toBe('keep me');
    };

    it('fails at once with one line naming the fix, exit 1, and leaves --out alone', async () => {
      const cache = join(dir, 'empty-cache');
      await mkdir(cache);
      const r = offlineBuild(['--offline', '--mirror', deadMirror, '--out', out], cache);
      expect(r.status, r.stderr).toBe(1);
      expect(errorLines(r.stderr)).toEqual([
        `armada: --offline: no cached stage for these options; ${fix}`,
      ]);
      expect(r.stderr).not.toMatch(/\n\s+at |\n\s+- /);
      expect(r.seconds).toBeLessThan(60);
      await untouched();
      // Nothing was bootstrapped or begun in the cache.
      expect(existsSync(join(cache, 'stages'))).toBe(false);
    });

    it('refuses --offline with --refresh as bad usage (exit 2) before anything runs', async () => {
      const cache = join(dir, 'refresh-cache');
      const r = offlineBuild(['--offline', '--refresh', '--out', out], cache);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(
        /--offline cannot go with --refresh: a fresh bootstrap needs the archive/,
      );
      expect(existsSync(cache)).toBe(false);
      await untouched();
    });

    it('refuses a base URL it could not find offline as bad usage (exit 2), naming what it needs', async () => {
      const cache = join(dir, 'base-cache');
      const r = offlineBuild(
        ['--offline', '--base', 'https://127.0.0.1:9/raspios-lite.img.xz', '--out', out],
        cache,
      );
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/--offline with --base needs --packages-from/);
      expect(r.stderr).toMatch(/--offline with a --base URL needs --sha256/);
      await untouched();
    });
  },
);

describeNeeds({ root: true }, 'armada build --offline with a stage cached', () => {
  let dir: string;
  const fetches: string[] = [];
  afterEach(() => vi.unstubAllGlobals());

  /** The options of a test build; from now on fetch answers nothing and remembers what was asked. */
  function offline(r: BuildRequest = {}) {
    fetches.length = 0;
    vi.stubGlobal('fetch', (url: unknown) => {
      fetches.push(String(url));
      return Promise.reject(new Error('no network in this test'));
    });
    return resolveBuildOptions({
      cacheDir: join(dir, 'cache'),
      out: join(dir, 'out'),
      workDir: join(dir, 'work'),
      mirror: deadMirror,
      offline: true,
      ...r,
    });
  }

  /** A complete stage as a build leaves it (record and a small root filesystem). */
  async function plantStage(
    cacheDir: string,
    key: string,
    record: Record<string, unknown>,
  ): Promise<string> {
    const p = stagePaths(cacheDir, key);
    await mkdir(join(p.rootfs, 'etc'), { recursive: true });
    await writeFile(join(p.rootfs, 'etc/os-release'), `ID=debian\nSTAGE=${key}\n`);
    const text = JSON.stringify({ key, ...record }, null, 2);
    await writeFile(p.complete, text);
    return text;
  }

  let older: string;
  let newest: string;
  beforeAll(async () => {
    dir = await suiteTempDir('armada-offline-hit-');
    const o = offline();
    // The options' lineage, as check-host computes it from the options alone (nothing cached yet).
    const probe = await runSteps<BuildContext>([checkHost(o)], { timings: {} });
    const identity = {
      lineage: probe.stageLineage,
      family: probe.stageFamily,
      packageList: [...buildPackages(o)].sort(),
      sources: [`deb ${deadMirror} ${o.suite} main`],
      archiveState: ['recorded-when-made'],
    };
    older = await plantStage(o.cacheDir, '00000000000000aa', {
      ...identity,
      updatedAt: '2026-01-01T00:00:00.000Z',
    });
    newest = await plantStage(o.cacheDir, '00000000000000bb', {
      ...identity,
      updatedAt: '2026-02-01T00:00:00.000Z',
    });
  });

  it('uses the newest stage of its options as it is: no archive asked, nothing upgraded or bootstrapped', async () => {
    const o = offline();
    const ctx: BuildContext = { timings: {} };
    let copied = '';
    await withCleanup(async () => {
      await runSteps(
        [
          checkHost(o),
          findStage(o),
          checkPackages(o),
          refreshStage(o),
          bootstrapRootfs(o),
          copyRootfs(o),
        ],
        ctx,
      );
      copied = await readFile(join(ctx.rootfsDir!, 'etc/os-release'), 'utf8');
    });
    expect(fetches).toEqual([]);
    expect(ctx.stageKey).toBe('00000000000000bb');
    expect(ctx.stagePlan).toEqual({ kind: 'hit' });
    expect(ctx.stageCacheHit).toBe(true);
    expect(ctx.timings['check-packages']).toBeUndefined();
    expect(ctx.timings['refresh-stage']).toBeUndefined();
    expect(ctx.timings['bootstrap-rootfs']).toBeUndefined();
    expect(copied).toContain('STAGE=00000000000000bb');
    // Neither record was touched: the archive state stays what the stage was made from.
    const record = (key: string) => readFile(stagePaths(o.cacheDir, key).complete, 'utf8');
    expect(await record('00000000000000bb')).toBe(newest);
    expect(await record('00000000000000aa')).toBe(older);
  });

  it('says which packages the cached stage lacks for --with ovs, asking no archive', async () => {
    const o = offline({ with: ['ovs'] });
    const error = await runSteps([checkHost(o), findStage(o)], { timings: {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(fetches).toEqual([]);
    expect(error).toBeInstanceOf(OptionError);
    expect((error as OptionError).exitCode).toBe(1);
    expect((error as OptionError).message).toBe(
      `offline: the cached stage 00000000000000bb lacks the package openvswitch-switch; ${fix.replace('--offline', 'offline')}`,
    );
  });
});

describeNeeds(
  { root: true, unless: toolsReason('sfdisk', 'mkfs.vfat', 'mcopy', 'mke2fs', 'debugfs') },
  'armada build --offline --base: a base URL from the download cache only',
  () => {
    let dir: string;
    let img: string;
    let sha: string;
    const url = 'https://127.0.0.1:9/images/raspios-lite.img';
    const fetches: string[] = [];
    afterEach(() => vi.unstubAllGlobals());

    beforeAll(async () => {
      dir = await suiteTempDir('armada-offline-base-');
      img = (await makeStandIn(dir, { style: 'sys-mods' })).img;
      sha = await sha256OfFile(img);
    });

    async function open() {
      fetches.length = 0;
      vi.stubGlobal('fetch', (u: unknown) => {
        fetches.push(String(u));
        return Promise.reject(new Error('no network in this test'));
      });
      const o = resolveBuildOptions({
        cacheDir: join(dir, 'cache'),
        out: join(dir, 'out'),
        workDir: join(dir, 'work'),
        requireKernel: [],
        offline: true,
        base: { base: url, sha256: sha, packagesFrom: join(dir, 'debs') },
      });
      const ctx: BuildContext = { timings: {} };
      const error = await withCleanup(() =>
        runSteps([openBase({ base: url, sha256: sha, packagesFrom: join(dir, 'debs') }, o)], ctx),
      ).then(
        () => undefined,
        (e: unknown) => e,
      );
      return { o, ctx, error };
    }

    it('fails with one line naming the fix when the download cache lacks it', async () => {
      const { error } = await open();
      expect(fetches).toEqual([]);
      expect(error).toBeInstanceOf(OptionError);
      expect((error as OptionError).exitCode).toBe(1);
      expect((error as OptionError).message).toBe(
        `offline: the download cache holds no copy of ${url} (SHA-256 ${sha}); ${fix.replace('--offline', 'offline')}`,
      );
    });

    it('opens the cached copy, checked against --sha256, recorded under its URL', async () => {
      const entry = join(dir, 'cache', 'downloads', sha);
      await mkdir(entry, { recursive: true });
      await copyFile(img, join(entry, 'raspios-lite.img'));
      // A partial download of it beside the copy is never taken for it.
      await writeFile(join(entry, 'raspios-lite.img.part'), 'half');
      const { ctx, error } = await open();
      expect(error).toBeUndefined();
      expect(fetches).toEqual([]);
      expect(ctx.base?.source).toMatchObject({
        input: url,
        path: join(entry, 'raspios-lite.img'),
        sha256: sha,
        downloaded: false,
      });
      expect(ctx.base?.read.plan.detection.style).toBe('sys-mods');
    });
  },
);
