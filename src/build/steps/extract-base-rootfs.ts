/**
 * The base's root filesystem as a directory, read by debugfs (no mount): owners, modes and
 * symlinks kept; hard links become copies, and FIFOs, device nodes and extended attributes (file
 * capabilities) are not carried over (docs/base-images.md).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Step } from '../../progress.js';
import { run } from '../../exec.js';
import { debugfsErrors, rdumpCommand } from '../../image/debugfs.js';
import { produced, reusedInstall, type BuildContext } from '../context.js';

export function extractBaseRootfs(): Step<BuildContext> {
  return {
    name: 'extract-base-rootfs',
    title: "Extract the base's root filesystem",
    skip: reusedInstall,
    run: async (ctx) => {
      const rootfsDir = join(produced(ctx, 'workDir'), 'rootfs');
      await mkdir(rootfsDir, { mode: 0o755 });
      const { image } = produced(ctx, 'base').unpacked;
      const r = await run(
        rdumpCommand(image, produced(ctx, 'base').read.root.offsetBytes, rootfsDir),
      );
      const errors = debugfsErrors(r.stderr);
      if (errors.length)
        throw new Error(
          `debugfs could not extract the root filesystem: ${errors.slice(0, 3).join('; ')}`,
        );
      ctx.rootfsDir = rootfsDir;
    },
  };
}
