/**
 * copy-rootfs makes a multi-GB copy of the stage: it must be gone when the build ends (inside
 * withCleanup, as buildImage runs it), not left for process exit.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCleanup, withCleanup } from '../../../src/cleanup.js';
import { copyRootfs } from '../../../src/build/steps/copy-rootfs.js';
import { resolveBuildOptions } from '../../../src/commands/build.js';
import type { BuildContext } from '../../../src/build/context.js';
import { runSteps } from '../../../src/progress.js';
import { runTasks, stepTasks } from '../../../src/tasks.js';
import { suiteTempDir } from '../../helpers/tmp.js';

describe('copy-rootfs', () => {
  it('removes its work dir when the build ends, whether it succeeded or failed', async () => {
    const dir = await suiteTempDir('armada-copy-rootfs-');
    const stage = join(dir, 'stage');
    await mkdir(join(stage, 'etc'), { recursive: true });
    await writeFile(join(stage, 'etc/os-release'), 'ID=debian\n');
    const work = join(dir, 'work');
    const o = resolveBuildOptions({ cacheDir: join(dir, 'cache'), workDir: work });

    const ctx: BuildContext = { timings: {}, stageRootfs: stage };
    let seenDuring: string[] = [];
    // Through listr2, as buildImage runs it: the scope must follow the task's async context.
    await withCleanup(async () => {
      await runTasks(stepTasks([copyRootfs(o)]), ctx, { silent: true });
      seenDuring = await readdir(ctx.rootfsDir!);
    });
    expect(seenDuring).toEqual(['etc']);
    expect(existsSync(ctx.workDir!)).toBe(false);

    const failed: BuildContext = { timings: {}, stageRootfs: stage };
    await expect(
      withCleanup(async () => {
        await runSteps([copyRootfs(o)], failed);
        throw new Error('a later step failed');
      }),
    ).rejects.toThrow('a later step failed');
    expect(existsSync(failed.workDir!)).toBe(false);
    expect(await readdir(work)).toEqual([]);
    // Nothing was left for process exit either.
    expect(await runCleanup()).toEqual([]);
  });
});
