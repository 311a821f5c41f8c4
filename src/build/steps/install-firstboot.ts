/**
 * The first-boot machinery (script, units, avahi service, networkd defaults); everything
 * per-device is made on the device by it.
 */
import type { Step } from '../../progress.js';
import type { BuildContext } from '../context.js';
import { writeFirstBootPart, type FirstBootParts } from '../first-boot-part.js';

export function installFirstBoot(plan: FirstBootParts, buildTime: Date): Step<BuildContext> {
  return writeFirstBootPart(
    'install-firstboot',
    'Install the first-boot machinery',
    plan.firstboot,
    buildTime,
  );
}
