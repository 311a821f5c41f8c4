/**
 * Every claimed Raspberry Pi model's boot chain, proven from its own device tree: the kernel
 * has a driver, built in or in the initramfs, for each device between it and the SD card, and
 * one (built in or in the root filesystem) for the Ethernet and USB controllers. A gap in a
 * claimed model fails the build (exit 3); every model's verdict goes into the manifest.
 */
import type { Step } from '../../progress.js';
import { BootChainGapError } from '../../boot-chain/errors.js';
import { imageChainSource } from '../../boot-chain/image-source.js';
import { proveFromSource } from '../../boot-chain/read.js';
import type { BuildContext } from '../context.js';

export function proveBootChain(): Step<BuildContext> {
  return {
    name: 'prove-boot-chain',
    title: 'Prove each Raspberry Pi model’s boot chain from its device tree',
    run: async (ctx, report) => {
      const source = await imageChainSource(ctx.imagePath!, { rootfsDir: ctx.rootfsDir! });
      const verdicts = await proveFromSource(source);
      ctx.bootChain = verdicts;
      if (verdicts.some((v) => v.claimed && !v.proven)) throw new BootChainGapError(verdicts);
      const no = verdicts.filter((v) => !v.proven).map((v) => v.model);
      report.title(
        `Prove the boot chain: ${verdicts
          .filter((v) => v.proven)
          .map((v) => v.model)
          .join(', ')}` + (no.length ? ` (not ${no.join(', ')}: not claimed)` : ''),
      );
    },
  };
}
