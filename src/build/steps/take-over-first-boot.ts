/**
 * The base's own first boot switched off inside the root filesystem (cloud-init.disabled, masked
 * units) and its known default password locked, as planned by src/base/plan-base.ts. The boot
 * partition's side (cmdline.txt, userconf.txt, user-data…) is written by assemble-base-image.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Step } from '../../progress.js';
import { warnUncheckedPasswords } from '../../base/unchecked-passwords.js';
import { produced, reusedInstall, type BuildContext } from '../context.js';
import { applyFiles } from '../../firstboot/apply-files.js';
import { inRoot } from '../../tree/root-fs.js';

export function takeOverFirstBoot(buildTime: Date): Step<BuildContext> {
  return {
    name: 'take-over-first-boot',
    title: "Switch off the base's own first boot",
    skip: reusedInstall,
    run: async (ctx, report) => {
      const root = produced(ctx, 'rootfsDir');
      const { plan, facts } = produced(ctx, 'base').read;
      await applyFiles(
        root,
        plan.takeover.rootFiles,
        plan.takeover.maskUnits.map((u) => ({
          path: `/etc/systemd/system/${u}`,
          target: '/dev/null',
        })),
        buildTime,
      );
      if (plan.shadow.locked.length) {
        // Read again: the plan was made from the image; the file must still be what it saw.
        const shadow = await inRoot(root, '/etc/shadow', true);
        if ((await readFile(shadow, 'utf8')) !== facts.shadow)
          throw new Error('/etc/shadow changed between reading the base and locking its password');
        // writeFile keeps the file's owner and mode (root:shadow 0640).
        await writeFile(shadow, plan.shadow.text);
      }
      warnUncheckedPasswords(plan);
      report.title(
        `Switch off the base's own first boot ('${plan.detection.style}'${plan.shadow.locked.length ? `; locked ${plan.shadow.locked.map((l) => l.user).join(', ')}` : ''})`,
      );
    },
  };
}
