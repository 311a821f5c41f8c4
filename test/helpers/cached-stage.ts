/**
 * The newest finished bootstrap stage in armada's cache (what `armada build` made or reused), for
 * tests that need Debian's real kernel, device trees, module tables and the initramfs armada's
 * bootstrap generated. Read only: tests never change a cached stage.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../../src/cache/dir.js';

export interface CachedStage {
  key: string;
  rootfs: string;
  /** The kernel version of /lib/modules (and /boot/vmlinuz-<version>). */
  version: string;
}

/** With `only`, that stage only (e.g. the one a build's manifest names). */
export function cachedStage(
  want: { arch: string; suite: string },
  only?: string,
): CachedStage | undefined {
  const stages = join(cacheDir(), 'stages');
  const found: (CachedStage & { at: string })[] = [];
  const keys = existsSync(stages) ? readdirSync(stages) : [];
  for (const key of keys.filter((k) => !only || k === only)) {
    const complete = join(stages, key, 'complete.json');
    if (key.endsWith('.partial') || !existsSync(complete)) continue;
    const record = JSON.parse(readFileSync(complete, 'utf8')) as {
      arch?: string;
      suite?: string;
      updatedAt?: string;
    };
    if (record.arch !== want.arch || record.suite !== want.suite) continue;
    const rootfs = join(stages, key, 'rootfs');
    const modules = join(rootfs, 'lib/modules');
    const version = existsSync(modules) ? readdirSync(modules).sort().at(-1) : undefined;
    if (!version || !existsSync(join(rootfs, 'boot', `initrd.img-${version}`))) continue;
    found.push({ key, rootfs, version, at: record.updatedAt ?? '' });
  }
  const newest = found.sort((a, b) => a.at.localeCompare(b.at)).at(-1);
  return newest && { key: newest.key, rootfs: newest.rootfs, version: newest.version };
}
