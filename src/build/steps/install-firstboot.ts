/**
 * The first-boot machinery (script, units, avahi service, networkd defaults); everything
 * per-device is made on the device by it. Also the one way a build step writes its part of the
 * first-boot plan, which the pipeline renders once at the start of the build.
 */
import type { Step } from '../../progress.js';
import type { BuildContext } from '../context.js';
import { applyFiles } from '../../firstboot/apply-files.js';
import type { FirstBootPart, FirstBootPlan } from '../../firstboot/plan.js';

export type FirstBootParts = Record<FirstBootPart, FirstBootPlan>;

/** A step that writes one rendered part into the root filesystem, with the build's mtime. */
export function writeFirstBootPart(
  name: string,
  title: string,
  part: FirstBootPlan,
  buildTime: Date,
): Step<BuildContext> {
  return {
    name,
    title,
    run: (ctx) => applyFiles(ctx.rootfsDir!, part.files, part.symlinks, buildTime),
  };
}

export function installFirstBoot(plan: FirstBootParts, buildTime: Date): Step<BuildContext> {
  return writeFirstBootPart(
    'install-firstboot',
    'Install the first-boot machinery',
    plan.firstboot,
    buildTime,
  );
}
