/**
 * The cached stage stays pristine: every build customises its own copy.
 */
import { mkdtemp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Step } from '../../progress.js';
import { run } from '../../exec.js';
import { onCleanup } from '../../cleanup.js';
import { produced, type BuildContext } from '../context.js';
import { buildDefaults, type BuildOptions } from '../options.js';
import { safeRemoveTree } from '../../safe-remove.js';

export function copyRootfs(o: BuildOptions): Step<BuildContext> {
  return {
    name: 'copy-rootfs',
    title: 'Copy the root filesystem for customisation',
    run: async (ctx) => {
      const base = o.workDir ?? buildDefaults.workDir;
      await mkdir(base, { recursive: true });
      const workDir = await mkdtemp(join(base, 'armada-build-'));
      onCleanup('remove build work dir', () => safeRemoveTree(workDir));
      const rootfsDir = join(workDir, 'rootfs');
      await run(['cp', ['-a', '--reflink=auto', produced(ctx, 'stageRootfs'), rootfsDir]]);
      ctx.workDir = workDir;
      ctx.rootfsDir = rootfsDir;
    },
  };
}
