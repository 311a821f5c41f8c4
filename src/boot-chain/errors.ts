import { CheckFailedError } from '../errors.js';
import { claimedChainGaps, type BootChainVerdict } from './models.js';

/**
 * A claimed model's device tree names a device on its root-filesystem or network path that no
 * driver binds where it must be (built in, the initramfs, the root filesystem). Each detail line
 * names the model, the node, its compatible and the missing module.
 */
export class BootChainGapError extends CheckFailedError {
  constructor(readonly verdicts: readonly BootChainVerdict[]) {
    const gaps = claimedChainGaps(verdicts);
    const models = verdicts.filter((v) => v.claimed && !v.proven).map((v) => v.name);
    super(
      `the kernel cannot reach the root filesystem or network of ${models.join(', ')}: ${gaps.length} device${gaps.length === 1 ? '' : 's'} without a driver where ${gaps.length === 1 ? 'it is' : 'they are'} needed; add the module to src/build/initramfs-modules.json (root path) or the package set (see docs/pi-models.md)`,
      gaps,
    );
  }
}
