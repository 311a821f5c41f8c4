/**
 * build --base: the base image fetched or hashed, unpacked into the work dir and read without
 * mounting; every kernel it carries checked per board family. Nothing is written to --out here,
 * so a bad base leaves it untouched. Offline, a base URL comes from the download cache only.
 */
import { mkdir, mkdtemp, readdir, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { Step } from '../../progress.js';
import { onCleanup } from '../../cleanup.js';
import { NotRootError, OptionError } from '../../errors.js';
import { requireTool } from '../../exec.js';
import { checkSignKey } from '../../sign/sign-sums.js';
import { obtainBase, unpackBase, type BaseSource } from '../../base/open-base.js';
import { cacheName, entryDir } from '../../download/cache-dir.js';
import { isUrl } from '../../source/detect.js';
import { isSha256 } from '../../source/sha256sums.js';
import { unlessMissing } from '../../fs-errors.js';
import { cachePath } from '../../cache/layout.js';
import type { BaseOptions } from '../../base/opened.js';
import { readBase } from '../../base/read-base.js';
import { workSpaceNeeded } from '../../base/plan-assemble.js';
import { formatBytes } from '../../format-bytes.js';
import { defaultDigestMemo } from '../../source/local-digest.js';
import type { BuildContext } from '../context.js';
import { buildDefaults, type BuildOptions } from '../options.js';
import { safeRemoveTree } from '../../safe-remove.js';

/**
 * --offline: a base URL's copy in the download cache, found by its --sha256 as the download would
 * find it (the URL's file name first, then any complete file of that content), and hashed again
 * as a local base is. Nothing is fetched: no copy, or a copy that no longer matches, fails.
 */
async function fromDownloadCache(
  b: BaseOptions,
  downloadsDir: string,
  digestMemo: string,
): Promise<BaseSource> {
  const sha256 = b.sha256 ?? '';
  if (!isSha256(sha256))
    throw new OptionError(
      (opt) => `${opt('sha256')} needs 64 hex digits, not '${sha256}'`,
      undefined,
      {
        usage: true,
      },
    );
  const dir = entryDir(downloadsDir, sha256);
  const names = (await unlessMissing(readdir(dir), [] as string[])).filter(
    (n) => !/\.part(-\d+)?$/.test(n) && !/\.bmap$/i.test(n),
  );
  const name = names.includes(cacheName(b.base)) ? cacheName(b.base) : names.sort()[0];
  if (!name)
    throw new OptionError(
      (opt) =>
        `${opt('offline')}: the download cache holds no copy of ${b.base} (SHA-256 ${sha256.toLowerCase()}); run the same build once with network access to fill the cache, or drop ${opt('offline')}`,
    );
  const local = await obtainBase({ base: join(dir, name), sha256, digestMemo });
  return { ...local, input: b.base };
}

export function openBase(b: BaseOptions, o: BuildOptions): Step<BuildContext> {
  return {
    name: 'open-base',
    title: `Open the base image ${b.base}`,
    run: async (ctx, report) => {
      // Owners in the root filesystem, chroot and mount need root.
      if (process.getuid?.() !== 0) throw new NotRootError('armada build --base');
      // The sandbox the base's own programs run in (src/base/plan-sandbox.ts).
      for (const tool of ['unshare', 'capsh']) await requireTool(tool);
      if (o.signKey) await checkSignKey(o.signKey);
      // The cache dir's, as for every other cache a build uses (a library caller may pass its own).
      const downloadsDir = cachePath(o.cacheDir, 'downloads');
      const digestMemo = defaultDigestMemo(o.cacheDir);
      const source =
        o.offline && isUrl(b.base)
          ? await fromDownloadCache(b, downloadsDir, digestMemo)
          : await obtainBase({
              base: b.base,
              ...(b.sha256 ? { sha256: b.sha256 } : {}),
              ...(b.allowHttp ? { allowHttp: true } : {}),
              downloadsDir,
              digestMemo,
              onProgress: (p) =>
                report.status(
                  `${formatBytes(p.done)}${p.total ? ` of ${formatBytes(p.total)}` : ''}`,
                ),
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
