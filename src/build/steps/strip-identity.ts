/**
 * The per-device identity (SSH host keys, machine-id, logs, caches) out of the image's root: each
 * card makes its own at first boot.
 */
import type { Step } from '../../progress.js';
import { produced, type BuildContext } from '../context.js';
import { stripTree } from '../strip-tree.js';

export function stripIdentity(): Step<BuildContext> {
  return {
    name: 'strip-identity',
    title: 'Strip per-device identity (SSH host keys, machine-id, logs, caches)',
    run: (ctx) => stripTree(produced(ctx, 'rootfsDir')),
  };
}
