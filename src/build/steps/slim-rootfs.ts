/**
 * Applies the slim plan to the build's copy of the root filesystem: removes what dpkg would have
 * left out had the filters been in place during the bootstrap, installs the filters for later
 * installs, and rebuilds the module index when modules went. The cached stage stays complete, so
 * `--no-slim` needs no second bootstrap.
 */
import { lstat, mkdir, readdir, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Step } from '../../progress.js';
import { run } from '../../exec.js';
import { produced, type BuildContext } from '../context.js';
import type { BuildOptions } from '../options.js';
import {
  compileRules,
  dpkgConfig,
  dpkgConfigPath,
  slimRules,
  walkRoots,
  worthDescending,
} from '../plan-slim.js';
import { unlessMissing } from '../../fs-errors.js';
import { formatBinary } from '../../format-bytes.js';

async function* files(
  root: string,
  dir: string,
  descend: (dir: string) => boolean,
): AsyncGenerator<{ path: string; bytes: number }> {
  const names = await unlessMissing(readdir(join(root, dir)), [] as string[]);
  for (const n of names) {
    const path = dir === '/' ? `/${n}` : `${dir}/${n}`;
    const st = await lstat(join(root, path));
    if (st.isDirectory()) {
      if (descend(path)) yield* files(root, path, descend);
    } else yield { path, bytes: st.size };
  }
}

export function slimRootfs(o: BuildOptions): Step<BuildContext> {
  return {
    name: 'slim-rootfs',
    title: 'Leave out docs, translations and drivers no Pi can use',
    skip: () => (o.slim ? false : 'kept everything (--no-slim)'),
    run: async (ctx, report) => {
      const root = produced(ctx, 'rootfsDir');
      const rules = slimRules();
      const excluded = compileRules(rules);
      const descend = worthDescending(rules);
      const slim: NonNullable<BuildContext['slim']> = { files: 0, bytes: 0, groups: {} };
      const kernels = new Set<string>();
      for (const top of walkRoots(rules))
        for await (const f of files(root, top, descend)) {
          const group = excluded(f.path);
          if (!group) continue;
          await unlink(join(root, f.path));
          const g = (slim.groups[group] ??= { files: 0, bytes: 0 });
          g.files++;
          g.bytes += f.bytes;
          slim.files++;
          slim.bytes += f.bytes;
          const k = /^\/usr\/lib\/modules\/([^/]+)\//.exec(f.path);
          if (k) kernels.add(k[1]);
        }
      await mkdir(dirname(join(root, dpkgConfigPath)), { recursive: true });
      await writeFile(join(root, dpkgConfigPath), dpkgConfig());
      // modules.dep and friends must not point at files that are gone (modprobe would fail
      // with "not found" instead of a clean "no such module").
      for (const k of kernels) await run(['depmod', ['--basedir', root, k]]);
      report.status(`left out ${slim.files} files, ${formatBinary(slim.bytes, 'coarse')}`);
      ctx.slim = slim;
    },
  };
}
