/**
 * The assembled image must boot every Raspberry Pi model armada claims (src/image/pi-models.json):
 * firmware, device tree, kernel, initramfs and root= are checked on the image's own FAT
 * partition, read without mounting. A gap fails the build (exit 3); the verdict per model goes
 * into the manifest.
 */
import type { Step } from '../../progress.js';
import { CheckFailedError } from '../../errors.js';
import { readBootFacts } from '../../image/boot-facts.js';
import { checkPiModels, claimedGaps } from '../../image/pi-models.js';
import { readKernelConfig } from '../../kernel/index.js';
import { produced, type BuildContext } from '../context.js';
import type { BuildOptions } from '../options.js';

export function verifyBootFiles(o: BuildOptions): Step<BuildContext> {
  return {
    name: 'verify-boot-files',
    title: 'Verify the boot files for each Raspberry Pi model',
    run: async (ctx, report) => {
      const facts = await readBootFacts(produced(ctx, 'imagePath'));
      // The Pi 5 verdict depends on the kernel's drivers; the installed kernel's config says.
      const kernel = await readKernelConfig(produced(ctx, 'rootfsDir')).catch(() => undefined);
      const verdicts = checkPiModels({
        ...facts,
        ...(kernel ? { kernelConfig: kernel.config.values } : {}),
        kernelArch: o.arch,
        requireInitramfs: true,
      });
      ctx.piModels = verdicts;
      const gaps = claimedGaps(verdicts);
      if (gaps.length)
        throw new CheckFailedError(
          `the image cannot boot ${gaps.length} Raspberry Pi model${gaps.length > 1 ? 's' : ''} armada supports; fix the boot partition (src/build/steps/assemble-image.ts) or the package set`,
          gaps,
        );
      const no = verdicts.filter((v) => !v.boots).map((v) => v.id);
      report.title(
        `Verify the boot files: ${verdicts
          .filter((v) => v.boots)
          .map((v) => v.id)
          .join(', ')}` + (no.length ? ` (not ${no.join(', ')}: see docs/pi-models.md)` : ''),
      );
    },
  };
}
