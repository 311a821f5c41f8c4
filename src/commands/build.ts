/**
 * `armada build`: a bootable Raspberry Pi Docker-host image from package mirrors.
 */
import { resolve } from 'node:path';
import { log } from '../log.js';
import { runTasks, stepTasks } from '../tasks.js';
import type { Step } from '../progress.js';
import { withCleanup } from '../cleanup.js';
import { cacheDir } from '../cache/dir.js';
import type { BuildContext, Artifact } from '../build/context.js';
import { basePipeline, imagePipeline, stagePipeline } from '../build/pipeline.js';
import { stageEpoch } from '../build/stage-epoch.js';
import type { BaseOptions } from '../base/opened.js';
import {
  buildDefaults,
  defaultBuildName,
  validateBuildOptions,
  type BuildOptions,
} from '../build/options.js';
import { armadaVersion } from '../version.js';
import { defaultKernelGroups, feature } from '../build/packages.js';
import { loadRequirements, requirableFeatures } from '../kernel/requirements.js';
import { formatBinary } from '../format-bytes.js';

export interface BuildResult {
  ok: true;
  artifacts: Artifact[];
  manifest: Record<string, unknown>;
  stageCacheHit: boolean;
  /** --offline: no archive was asked and nothing downloaded; everything came from the cache. */
  offline: boolean;
  /** The stage was upgraded from a cached one instead of bootstrapped: its key and the changes. */
  stageRefresh?: BuildContext['stageRefresh'];
  /** build --base: the installed-base cache entry whose root was copied instead of installing. */
  baseInstallReusedFrom?: string;
  /** build --base: the root was the cache entry's ext4 image with this build's changes applied. */
  baseRootImage?: BuildContext['baseRootImage'];
  /** Artifacts copied from the artifact cache because the image was byte-identical. */
  reusedArtifacts: string[];
  timings: Record<string, number>;
}

export type BuildRequest = Partial<Omit<BuildOptions, 'armadaVersion' | 'createdAtFrom'>> & {
  silent?: boolean;
  /** Customise this Raspberry Pi OS image instead of bootstrapping one (build --base). */
  base?: BaseOptions;
};

export function resolveBuildOptions(r: BuildRequest): BuildOptions {
  const arch = r.arch ?? buildDefaults.arch;
  const suite = r.suite ?? buildDefaults.suite;
  const envEpoch = process.env.SOURCE_DATE_EPOCH;
  const o: BuildOptions = {
    arch,
    suite,
    ...(r.mirror ? { mirror: r.mirror } : {}),
    ...(r.keyring ? { keyring: resolve(r.keyring) } : {}),
    ...(r.signKey ? { signKey: resolve(r.signKey) } : {}),
    components: r.components?.length ? r.components : [...buildDefaults.components],
    packages: r.packages ?? [],
    out: resolve(r.out ?? buildDefaults.out),
    name: r.name ?? (r.base ? 'armada-base' : defaultBuildName({ suite, arch })),
    compress: r.compress ?? [...buildDefaults.compress],
    insecureTcp: r.insecureTcp ?? false,
    allowMissingKernelOptions: r.allowMissingKernelOptions ?? false,
    // A feature's kernel groups are required with it; 'none' (or --no-require-kernel) opts out of
    // the default groups, which the manifest then records.
    requireKernel: kernelRequirements(r.requireKernel, r.with ?? []),
    with: [...new Set(r.with ?? [])],
    cacheDir: r.cacheDir ?? cacheDir(),
    ...(r.workDir ? { workDir: resolve(r.workDir) } : {}),
    refresh: r.refresh ?? false,
    offline: r.offline ?? false,
    ...(r.sourceDateEpoch !== undefined
      ? { sourceDateEpoch: r.sourceDateEpoch }
      : envEpoch
        ? { sourceDateEpoch: Number(envEpoch) }
        : {}),
    headroomMiB: r.headroomMiB ?? buildDefaults.headroomMiB,
    bootSizeMiB: r.bootSizeMiB ?? buildDefaults.bootSizeMiB,
    slim: r.slim ?? buildDefaults.slim,
    armadaVersion,
  };
  validateBuildOptions(o, requirableFeatures(loadRequirements()), r.base);
  return o;
}

function kernelRequirements(
  requested: readonly string[] | undefined,
  features: readonly string[],
): string[] {
  const base =
    requested === undefined ? defaultKernelGroups : requested.filter((g) => g !== 'none');
  const fromFeatures = features.flatMap((f) => feature(f)?.kernelGroups ?? []);
  return [...new Set([...base, ...fromFeatures])];
}

export async function buildImage(request: BuildRequest): Promise<BuildResult> {
  const o = resolveBuildOptions(request);
  if (o.insecureTcp) {
    log.warn(
      '--insecure-tcp: this image will ALSO expose Docker WITHOUT TLS on port 2375. Anyone on the network can take over the device. Use it only on an isolated lab network.',
    );
  }
  const ctx: BuildContext = { timings: {} };
  const started = performance.now();
  const run = (steps: Step<BuildContext>[]) =>
    runTasks(stepTasks(steps), ctx, { silent: request.silent ?? false });
  // The work dir (a copy of the root filesystem, GBs) goes when the build ends, not at exit.
  await withCleanup(
    async () => {
      if (request.base) return run(basePipeline(o, request.base, timeOf(o)));
      await run(stagePipeline(o));
      // Known only now: without SOURCE_DATE_EPOCH the time is the stage's (plan-epoch.ts). The
      // stage itself stays keyed and made without it, so its cache and upgrades are unchanged.
      const d = await stageEpoch(o.cacheDir, ctx.stageKey!, o.sourceDateEpoch);
      const image: BuildOptions = {
        ...o,
        ...(d.epoch !== undefined ? { sourceDateEpoch: d.epoch } : {}),
        createdAtFrom: d.from,
      };
      return run(imagePipeline(image, timeOf(image)));
    },
    (failure) => log.warn(`cleanup: ${failure}`),
  );
  ctx.timings.total = Math.round(performance.now() - started) / 1000;
  return {
    ok: true,
    artifacts: ctx.artifacts ?? [],
    manifest: ctx.manifest ?? {},
    stageCacheHit: ctx.stageCacheHit ?? false,
    offline: o.offline,
    ...(ctx.stageRefresh ? { stageRefresh: ctx.stageRefresh } : {}),
    ...(ctx.baseInstall?.reused ? { baseInstallReusedFrom: ctx.baseInstall.entry.key } : {}),
    ...(ctx.baseRootImage ? { baseRootImage: ctx.baseRootImage } : {}),
    reusedArtifacts: ctx.reusedArtifacts ?? [],
    timings: ctx.timings,
  };
}

const timeOf = (o: BuildOptions) =>
  o.sourceDateEpoch ? new Date(o.sourceDateEpoch * 1000) : new Date();

export function formatBuildResult(r: BuildResult): string {
  const lines = r.artifacts.map((a) => `  ${a.path}  ${formatBinary(a.bytes, 'size')}`);
  const t = Object.entries(r.timings)
    .map(([k, v]) => `${k} ${v.toFixed(1)}s`)
    .join(', ');
  return [
    'Artifacts:',
    ...lines,
    `Timings: ${t}`,
    ...(r.stageCacheHit ? ['(root filesystem from the stage cache)'] : []),
    ...(r.offline ? ['(offline: no archive was asked)'] : []),
    ...(r.baseInstallReusedFrom
      ? [`(Docker install of the base reused from the cache: ${r.baseInstallReusedFrom})`]
      : []),
    ...(r.stageRefresh
      ? [
          `(root filesystem: cached stage ${r.stageRefresh.from} upgraded, ${r.stageRefresh.changes.length} packages changed)`,
        ]
      : []),
  ].join('\n');
}
