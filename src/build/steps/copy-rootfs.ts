/**
 * The cached stage stays pristine: every build customises its own copy.
 */
import { mkdtemp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ListrTask } from 'listr2';
import { run } from '../../exec.js';
import { onCleanup } from '../../cleanup.js';
import { timed } from '../../tasks.js';
import type { BuildContext } from '../context.js';
import type { BuildOptions } from '../options.js';
import { safeRemoveTree } from '../safe-remove.js';

export function copyRootfs(o: BuildOptions): ListrTask<BuildContext> {
  return {
    title: 'Copy the root filesystem for customisation',
    task: timed('copy-rootfs', async (ctx) => {
      const base = o.workDir ?? '/var/tmp';
      await mkdir(base, { recursive: true });
      const workDir = await mkdtemp(join(base, 'armada-build-'));
      onCleanup('remove build work dir', () => safeRemoveTree(workDir));
      const rootfsDir = join(workDir, 'rootfs');
      await run(['cp', ['-a', '--reflink=auto', ctx.stageRootfs!, rootfsDir]]);
      ctx.workDir = workDir;
      ctx.rootfsDir = rootfsDir;
    }),
  };
}
