/**
 * The first-boot machinery (script, units, avahi service, networkd defaults); everything
 * per-device is made on the device by it.
 */
import type { Step } from '../../progress.js';
import type { BuildContext } from '../context.js';
import type { BuildOptions } from '../options.js';
import { applyFiles } from '../apply-files.js';
import { planFirstBootFiles } from '../../firstboot/plan.js';

export function installFirstBoot(o: BuildOptions, buildTime: Date): Step<BuildContext> {
  return {
    name: 'install-firstboot',
    title: 'Install the first-boot machinery',
    run: async (ctx) => {
      const plan = planFirstBootFiles(
        {
          armadaVersion: o.armadaVersion,
          insecureTcp: o.insecureTcp,
          builtAt: buildTime.toISOString(),
        },
        'firstboot',
      );
      await applyFiles(ctx.rootfsDir!, plan.files, plan.symlinks, buildTime);
    },
  };
}
