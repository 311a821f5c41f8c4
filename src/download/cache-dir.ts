/**
 * The download cache's layout: `downloads/<sha256>/<name>` in armada's cache dir (src/cache/dir.ts,
 * which `armada cache` lists and prunes). Pure.
 */
import { join } from 'node:path';

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
