/**
 * The one way a build step writes its part of the first-boot plan (rendered once at the start of
 * the build): configure-docker and install-firstboot are each such a step.
 */
import type { Step } from '../progress.js';
import { produced, type BuildContext } from './context.js';
import { applyFiles } from '../firstboot/apply-files.js';
import type { FirstBootPart, FirstBootPlan } from '../firstboot/plan.js';

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
    run: (ctx) => applyFiles(produced(ctx, 'rootfsDir'), part.files, part.symlinks, buildTime),
  };
}
