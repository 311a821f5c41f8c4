/**
 * Compressed artifacts depend only on the image's bytes (and the file name, which a zip carries).
 * A rebuild that makes the same image (unchanged inputs with SOURCE_DATE_EPOCH) copies them from
 * here instead of compressing 1.6 GB again. Keyed by the image's SHA-256; the cache policy keeps
 * the most recent sets (src/cache/policy.ts). The bmap is not kept: it comes out of the same read
 * that finds the key.
 */
import { copyFile, mkdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { constants } from 'node:fs';
import { basename, join } from 'node:path';
import { cachePath } from '../cache/layout.js';
import { listArtifactSets } from '../cache/read.js';
import { defaultPolicy, planPrune } from '../cache/policy.js';
import { unlessMissing } from '../fs-errors.js';

function artifactCacheDir(cacheDir: string, imageSha256: string): string {
  return cachePath(cacheDir, 'artifacts', imageSha256);
}

const exists = async (p: string) => (await unlessMissing(stat(p), undefined))?.isFile() ?? false;

export function artifactCache(cacheDir: string, imageSha256: string) {
  const dir = artifactCacheDir(cacheDir, imageSha256);
  let used = false;
  return {
    /** dest from the cache when there, else made by `make` and then kept. */
    async make(dest: string, reused: string[], make: (dest: string) => Promise<void>) {
      const cached = join(dir, basename(dest));
      used = true;
      if (await exists(cached)) {
        await copyFile(cached, dest, constants.COPYFILE_FICLONE);
        reused.push(basename(dest));
        return;
      }
      await make(dest);
      await mkdir(dir, { recursive: true });
      const tmp = `${cached}.partial-${process.pid}`;
      try {
        await copyFile(dest, tmp, constants.COPYFILE_FICLONE);
        await rename(tmp, cached);
      } finally {
        await rm(tmp, { force: true });
      }
    },
    /** Marks the set as used now and drops the least recently used sets beyond the policy's bytes. */
    async done() {
      if (!used) return;
      const now = new Date();
      await utimes(dir, now, now);
      const sets = await listArtifactSets(cacheDir);
      const drop = planPrune(sets, {
        now: now.getTime(),
        maxArtifactBytes: defaultPolicy.maxArtifactBytes,
        keep: [imageSha256],
      });
      for (const e of drop) await rm(e.path, { recursive: true, force: true });
    },
  };
}
