/**
 * Before a bootstrap or a stage upgrade that installs packages: can the archive give every
 * package asked for (the default set, --with's groups, --packages)? mmdebstrap --simulate runs
 * the bootstrap's own apt on the archive's indexes (plan-bootstrap.ts, packageCheckCommand), so a
 * misspelt name fails in seconds, not after the essential set is installed under emulation. A
 * cached stage used as it is asks nothing (it holds every package already), and neither does an
 * offline build (find-stage has said what its cache lacks).
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { Step } from '../../progress.js';
import { run, CommandFailedError } from '../../exec.js';
import { OptionError } from '../../errors.js';
import { onCleanup } from '../../cleanup.js';
import { safeRemoveTree } from '../../safe-remove.js';
import type { BuildContext } from '../context.js';
import { buildDefaults, type BuildOptions } from '../options.js';
import { packageCheckCommand } from '../plan-bootstrap.js';
import { buildPackages } from '../packages.js';
import { explainBootstrapFailure } from '../bootstrap-failure.js';

export function checkPackages(o: BuildOptions): Step<BuildContext> {
  return {
    name: 'check-packages',
    title: 'Check that the archive has every package',
    skip: (ctx) => {
      const plan = ctx.stagePlan;
      if (plan?.kind === 'bootstrap' || (plan?.kind === 'refresh' && plan.install.length))
        return false;
      // A cached stage used as it is, or upgraded without new packages, has every one already.
      return 'the cached stage has every package';
    },
    run: async (ctx, report) => {
      // Scratch space beside the build's own (--work-dir), named like it: apt's lists only.
      const base = o.workDir ?? buildDefaults.workDir;
      await mkdir(base, { recursive: true });
      const dir = await mkdtemp(join(base, 'armada-build-check-'));
      const remove = onCleanup('remove package check dir', () => safeRemoveTree(dir));
      const packages = buildPackages(o);
      const failed = ctx.stagePlan?.kind === 'refresh' ? 'upgrading the cached stage' : 'bootstrap';
      let conclusive = true;
      try {
        await run(
          packageCheckCommand({
            arch: o.arch,
            suite: o.suite,
            mirrorLines: ctx.mirrorLines ?? [],
            components: o.components,
            ...(o.keyring ? { keyring: o.keyring } : {}),
            packages,
            targetDir: join(dir, 'rootfs'),
          }),
          { onLine: (line) => report.status(line), timeoutMs: 10 * 60_000 },
        );
      } catch (e) {
        // What the bootstrap would have said, said now. Anything else (a dependency apt cannot
        // settle without the essential set installed) is left to the bootstrap, which knows.
        const why = e instanceof CommandFailedError ? explainBootstrapFailure(e.stderr) : undefined;
        if (why) throw new OptionError((opt) => `${failed} failed: ${why(opt)}`);
        if (!(e instanceof CommandFailedError)) throw e;
        conclusive = false;
      } finally {
        await remove();
      }
      report.title(
        conclusive
          ? `Check that the archive has every package (${packages.length} asked for)`
          : `Check that the archive has every package (inconclusive: the ${failed} will say)`,
      );
    },
  };
}
