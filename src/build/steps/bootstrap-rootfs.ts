/**
 * mmdebstrap into the stage cache. A finished stage is renamed into place only when complete, so
 * an interrupted build leaves nothing that a rerun could mistake for a good root filesystem.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Step } from '../../progress.js';
import { run, CommandFailedError } from '../../exec.js';
import { OptionError } from '../../errors.js';
import { explainBootstrapFailure } from '../bootstrap-failure.js';
import { onCleanup } from '../../cleanup.js';
import { produced, type BuildContext } from '../context.js';
import type { BuildOptions } from '../options.js';
import { mmdebstrapCommand } from '../plan-bootstrap.js';
import { buildPackages } from '../packages.js';
import { initramfsModules } from '../initramfs.js';
import { cachePath, stagePaths } from '../../cache/layout.js';
import { safeRemoveTree } from '../../safe-remove.js';
import { commitStage, madeFromState, rootfsSourceLines } from '../stage-records.js';

export function bootstrapRootfs(o: BuildOptions): Step<BuildContext> {
  return {
    name: 'bootstrap-rootfs',
    title: `Bootstrap the root filesystem (Debian ${o.suite} ${o.arch})`,
    skip: (ctx) => (ctx.stagePlan?.kind === 'bootstrap' ? false : 'a cached stage is used'),
    run: async (ctx, report) => {
      const p = stagePaths(o.cacheDir, produced(ctx, 'stageKey'));
      await safeRemoveTree(p.partial);
      const removePartial = onCleanup('remove partial bootstrap', () => safeRemoveTree(p.partial));
      await mkdir(p.partial, { recursive: true });
      const cmd = mmdebstrapCommand({
        arch: o.arch,
        suite: o.suite,
        mirrorLines: ctx.mirrorLines ?? [],
        components: o.components,
        ...(o.keyring ? { keyring: o.keyring } : {}),
        packages: buildPackages(o),
        targetDir: join(p.partial, 'rootfs'),
        aptCacheDir: cachePath(o.cacheDir, 'apt', o.arch),
        initramfsModules: initramfsModules(),
      });
      try {
        await run(cmd, {
          env: o.sourceDateEpoch ? { SOURCE_DATE_EPOCH: String(o.sourceDateEpoch) } : {},
          onLine: (line) => report.status(line),
          timeoutMs: 90 * 60_000,
        });
      } catch (e) {
        const why = e instanceof CommandFailedError ? explainBootstrapFailure(e.stderr) : undefined;
        if (why) throw new OptionError((o) => `bootstrap failed: ${why(o)}`);
        throw e;
      }
      // What mmdebstrap chose, also when it chose the mirror.
      const sources = await rootfsSourceLines(join(p.partial, 'rootfs'));
      await commitStage(o.cacheDir, produced(ctx, 'stageKey'), {
        arch: o.arch,
        suite: o.suite,
        packages: buildPackages(o).length,
        ...(o.sourceDateEpoch ? { sourceDateEpoch: o.sourceDateEpoch } : {}),
        mirrorLines: ctx.mirrorLines,
        lineage: ctx.stageLineage,
        family: ctx.stageFamily,
        packageList: [...buildPackages(o)].sort(),
        sources,
        archiveState: await madeFromState(p.partial, sources),
        updatedAt: new Date().toISOString(),
      });
      await removePartial();
    },
  };
}
