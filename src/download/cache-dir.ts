/**
 * Where verified downloads are kept: `downloads/` in armada's cache dir (`$ARMADA_CACHE_DIR`,
 * else `$XDG_CACHE_HOME/armada`, else `~/.cache/armada`, as for the build's caches). Pure.
 */
import { join } from 'node:path';

export function downloadsDirFor(env: Record<string, string | undefined>, home: string): string {
  const root = env.ARMADA_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(home, '.cache'), 'armada');
  return join(root, 'downloads');
}

/** A cache entry is named by the content's sha256, so a hit needs no URL bookkeeping. */
export function entryDir(downloadsDir: string, sha256: string): string {
  return join(downloadsDir, sha256.toLowerCase());
}

/** The file name a URL's content is kept under: its last path segment, made safe. */
export function cacheName(url: string): string {
  const raw = new URL(url).pathname.split('/').pop() ?? '';
  let last: string;
  try {
    last = decodeURIComponent(raw);
  } catch {
    last = raw;
  }
  const safe = last.replace(/[^A-Za-z0-9._+-]/g, '_').replace(/^\.+/, '');
  return safe || 'download';
}
