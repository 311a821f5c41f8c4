/**
 * Brings a cached stage up to date with the archive by upgrading a copy of it (see
 * plan-refresh.ts for when): minutes instead of a full bootstrap's half hour. The source stage is
 * never touched; the copy replaces the stage under this build's key only when the upgrade is
 * complete.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Step } from '../../progress.js';
import { run, CommandFailedError } from '../../exec.js';
import { OptionError } from '../../errors.js';
import { onCleanup } from '../../cleanup.js';
import { produced, type BuildContext } from '../context.js';
import type { BuildOptions } from '../options.js';
import { packageChanges, refreshCommand } from '../plan-refresh.js';
import { cachePath, stagePaths } from '../../cache/layout.js';
import { safeRemoveTree } from '../../safe-remove.js';
import { commitStage, madeFromState, rootfsSourceLines } from '../stage-records.js';
import { dpkgQueryCommand, parseDpkgQuery } from '../dpkg-query.js';
import { explainBootstrapFailure } from '../bootstrap-failure.js';
import { buildPackages } from '../packages.js';

const installed = async (rootfs: string) =>
  parseDpkgQuery((await run(dpkgQueryCommand(rootfs))).stdout);

export function refreshStage(o: BuildOptions): Step<BuildContext> {
  return {
    name: 'refresh-stage',
    title: 'Upgrade the cached root filesystem to the archive',
    skip: (ctx) => (ctx.stagePlan?.kind === 'refresh' ? false : 'nothing to upgrade'),
    run: async (ctx, report) => {
      const plan = ctx.stagePlan as Extract<BuildContext['stagePlan'], { kind: 'refresh' }>;
      const from = stagePaths(o.cacheDir, plan.from);
      const to = stagePaths(o.cacheDir, produced(ctx, 'stageKey'));
      await safeRemoveTree(to.partial);
      const removePartial = onCleanup('remove partial stage', () => safeRemoveTree(to.partial));
      await mkdir(to.partial, { recursive: true });
      const rootfs = join(to.partial, 'rootfs');
      report.status(`copying stage ${plan.from}`);
      await run(['cp', ['-a', '--reflink=auto', from.rootfs, rootfs]]);
      const before = await installed(rootfs);
      try {
        await run(refreshCommand(rootfs, cachePath(o.cacheDir, 'apt', o.arch), plan.install), {
          env: o.sourceDateEpoch ? { SOURCE_DATE_EPOCH: String(o.sourceDateEpoch) } : {},
          onLine: (line) => report.status(line),
          timeoutMs: 60 * 60_000,
        });
      } catch (e) {
        // apt says what mmdebstrap would have said (both are apt underneath).
        const why = e instanceof CommandFailedError ? explainBootstrapFailure(e.stderr) : undefined;
        if (why) throw new OptionError((o) => `upgrading the cached stage failed: ${why(o)}`);
        throw e;
      }
      const changes = packageChanges(before, await installed(rootfs));
      const sources = await rootfsSourceLines(rootfs);
      const previous = JSON.parse(await readFile(from.complete, 'utf8')) as Record<string, unknown>;
      await commitStage(o.cacheDir, produced(ctx, 'stageKey'), {
        ...previous,
        // This build's, not the source stage's (undefined drops out of the JSON).
        sourceDateEpoch: o.sourceDateEpoch,
        mirrorLines: ctx.mirrorLines,
        lineage: ctx.stageLineage,
        family: ctx.stageFamily,
        packages: buildPackages(o).length,
        packageList: [...buildPackages(o)].sort(),
        sources,
        archiveState: await madeFromState(to.partial, sources),
        updatedAt: new Date().toISOString(),
        refreshedFrom: plan.from,
        refreshChanges: changes,
      });
      await removePartial();
      ctx.stageRefresh = { from: plan.from, installed: plan.install, changes };
      report.title(
        `Upgrade the cached root filesystem to the archive (${changes.length} package${changes.length === 1 ? '' : 's'} changed)`,
      );
    },
  };
}
