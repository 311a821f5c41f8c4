/**
 * build --base: the base image fetched or hashed, unpacked into the work dir and read without
 * mounting; every kernel it carries checked per board family. Nothing is written to --out here,
 * so a bad base leaves it untouched.
 */
import { mkdir, mkdtemp, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { Step } from '../../progress.js';
import { onCleanup } from '../../cleanup.js';
import { NotRootError, OptionError } from '../../errors.js';
import { obtainBase, unpackBase } from '../../base/open-base.js';
import type { BaseOptions } from '../../base/opened.js';
import { readBase } from '../../base/read-base.js';
import { workSpaceNeeded } from '../../base/plan-assemble.js';
import { formatBytes } from '../../flash/drive.js';
import { defaultDigestMemo } from '../../flash/source/local-digest.js';
import type { BuildContext } from '../context.js';
import { buildDefaults, type BuildOptions } from '../options.js';
import { safeRemoveTree } from '../safe-remove.js';

export function openBase(b: BaseOptions, o: BuildOptions): Step<BuildContext> {
  return {
    name: 'open-base',
    title: `Open the base image ${b.base}`,
    run: async (ctx, report) => {
      // Owners in the root filesystem, chroot and mount need root.
      if (process.getuid?.() !== 0) throw new NotRootError('armada build --base');
      const source = await obtainBase({
        base: b.base,
        ...(b.sha256 ? { sha256: b.sha256 } : {}),
        ...(b.allowHttp ? { allowHttp: true } : {}),
        digestMemo: defaultDigestMemo(o.cacheDir),
        onProgress: (p) =>
          report.status(`${formatBytes(p.done)}${p.total ? ` of ${formatBytes(p.total)}` : ''}`),
      });
      const parent = o.workDir ?? buildDefaults.workDir;
      await mkdir(parent, { recursive: true });
      const workDir = await mkdtemp(join(parent, 'armada-base-'));
      onCleanup('remove build work dir', () => safeRemoveTree(workDir));
      ctx.workDir = workDir;
      report.status('unpacking');
      const unpacked = await unpackBase(source, workDir);
      report.status('reading partitions, boot files and kernels');
      const read = await readBase(b.base, unpacked.image, {
        require: o.requireKernel,
        allowMissingKernelOptions: o.allowMissingKernelOptions,
      });
      // Checked before anything is extracted: a full work dir would fail half-way through.
      const needed = workSpaceNeeded(read.root.fs);
      const free = await statfs(workDir).then((s) => s.bavail * s.bsize);
      if (free < needed)
        throw new OptionError(
          (opt) =>
            `${workDir} has ${formatBytes(free)} free; customising this base needs ${formatBytes(needed)} (its root holds ${formatBytes(needed / 2 - 512 * 1024 ** 2)}); free some space or pass ${opt('workDir')}`,
        );
      ctx.base = { source, unpacked, read };
      const missing = read.kernels.flatMap((k) => k.missing);
      ctx.kernel = {
        ok: read.kernels.every((k) => k.ok),
        version: read.kernels.map((k) => `${k.file}=${k.release ?? '?'}`).join(' '),
        missingRequired: [...new Set(missing)],
        overridden: !read.kernels.every((k) => k.ok),
      };
      report.title(
        `Open the base image: ${read.arch}, first boot '${read.plan.detection.style}', ${read.kernels.length} kernel(s) checked (${read.kernels.map((k) => k.family).join(', ')})`,
      );
    },
  };
}
