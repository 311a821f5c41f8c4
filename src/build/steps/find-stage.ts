/**
 * Decides where the root filesystem comes from: the cached stage as it is, the cached stage
 * brought up to date with the archive (refresh-stage), or a full bootstrap (bootstrap-rootfs).
 * The archive state is read from the stage's own apt sources, so a stage bootstrapped from
 * mmdebstrap's default mirror is checked against that mirror too. Offline, no archive is asked:
 * the cached stage as it is, or a one-line failure saying what the cache lacks.
 */
import type { Step } from '../../progress.js';
import { OptionError, UserError } from '../../errors.js';
import { produced, type BuildContext } from '../context.js';
import type { BuildOptions } from '../options.js';
import { fetchArchiveState } from '../../apt/archive-state.js';
import { decideStage } from '../plan-refresh.js';
import { stagePaths } from '../../cache/layout.js';
import { readStageRecords, rootfsSourceLines } from '../stage-records.js';
import { updateStageRecord } from '../../cache/root-trees.js';
import { touchStage } from '../../cache/read.js';
import { buildPackages } from '../packages.js';

export function findStage(o: BuildOptions): Step<BuildContext> {
  return {
    name: 'find-stage',
    title: 'Find a cached root filesystem',
    run: async (ctx, report) => {
      const key = produced(ctx, 'stageKey');
      const paths = stagePaths(o.cacheDir, key);
      const records = await readStageRecords(o.cacheDir);
      const exact = records.find((r) => r.key === key);
      let liveState: string[] | undefined;
      let sources = exact?.sources;
      if (exact && !o.refresh) {
        sources ??= await rootfsSourceLines(paths.rootfs);
        if (!o.offline)
          try {
            liveState = await fetchArchiveState(sources);
          } catch (e) {
            // Unreachable: the stage works as it is; only its freshness is unknown.
            if (!(e instanceof UserError)) throw e;
            report.title(
              `Find a cached root filesystem (archive unreachable: cached stage as it is)`,
            );
          }
      }
      const plan = decideStage({
        key,
        lineage: produced(ctx, 'stageLineage'),
        family: produced(ctx, 'stageFamily'),
        packages: buildPackages(o),
        forceBootstrap: o.refresh,
        offline: o.offline,
        ...(exact ? { exact } : {}),
        ...(liveState ? { liveState } : {}),
        others: records.filter((r) => r.key !== key),
      });
      if (plan.kind === 'missing')
        throw new OptionError(
          (opt) =>
            `${opt('offline')}: ${plan.why}; run the same build once with network access to fill the cache, or drop ${opt('offline')}`,
        );
      ctx.stagePlan = plan;
      ctx.stageCacheHit = plan.kind === 'hit';
      if (plan.kind === 'hit') {
        await touchStage(paths.dir);
        // Stages from older armada versions lack these; keys of a new formula replace old ones.
        const identity = {
          lineage: ctx.stageLineage,
          family: ctx.stageFamily,
          packageList: [...buildPackages(o)].sort(),
          sources,
        };
        const stale = Object.entries(identity).some(
          ([k, v]) => JSON.stringify(exact![k as keyof typeof exact]) !== JSON.stringify(v),
        );
        if (plan.recordState || stale)
          await updateStageRecord(paths.dir, {
            ...identity,
            ...(plan.recordState ? { archiveState: plan.recordState } : {}),
          });
        report.status(`stage cache hit (${key}${o.offline ? '; offline: as cached' : ''})`);
      } else if (plan.kind === 'refresh') {
        report.status(
          `${plan.why}: upgrading stage ${plan.from}${plan.install.length ? ` and installing ${plan.install.join(' ')}` : ''}`,
        );
      } else report.status(plan.why);
    },
  };
}
