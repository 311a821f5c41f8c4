/**
 * Which cache entries to remove. Pure, so the rules are tested without a multi-GB cache.
 * Stages and installed bases (root filesystems, ~1.3 GB each; `build --base`'s tree after the
 * Docker install) are evicted least recently used first until together they fit the size budget;
 * artifact sets likewise within theirs; any entry unused for longer than the age limit goes too.
 * An entry used within the last hour is never evicted: another build may be copying it right now.
 * That holds for `--all` too (nothing records which entries a running build holds, so recent use
 * stands for it); `heldBack` names what the grace kept, so the user is told.
 */

export interface CacheEntry {
  kind:
    | 'stage'
    | 'base-install'
    | 'partial-stage'
    | 'superseded-deb'
    | 'packages'
    | 'artifacts'
    | 'download';
  /** Stage or installed-base key, deb file name or download name. */
  id: string;
  path: string;
  bytes: number;
  /** ms since the epoch */
  lastUsed: number;
}

export interface PrunePolicy {
  now: number;
  /** Budget for all stages and installed bases together; undefined: no size limit. */
  maxStageBytes?: number;
  /** Remove what was not used for this long; undefined: no age limit. */
  maxAgeMs?: number;
  /** Bytes of artifact sets to keep, most recently used first (the set being written counts). */
  maxArtifactBytes?: number;
  /** Stage or installed-base keys or artifact sets that must stay (the build that is running). */
  keep?: readonly string[];
  /** Remove everything not protected. */
  all?: boolean;
  /** Ignore the grace periods (recent use, a bootstrap still writing); only for heldBack. */
  noGrace?: boolean;
}

const recentlyUsedMs = 60 * 60_000;
/** An interrupted bootstrap's leftovers; a running one touches its directory constantly. */
const stalePartialMs = 6 * 60 * 60_000;

export const defaultPolicy = {
  maxStageBytes: 8 * 1024 ** 3,
  maxArtifactBytes: 1024 ** 3,
  maxAgeMs: 30 * 24 * 60 * 60_000,
} as const;

export function planPrune(entries: readonly CacheEntry[], p: PrunePolicy): CacheEntry[] {
  const keep = new Set(p.keep ?? []);
  const protectedEntry = (e: CacheEntry) =>
    ((e.kind === 'stage' || e.kind === 'base-install' || e.kind === 'artifacts') &&
      keep.has(e.id)) ||
    (!p.noGrace &&
      p.now - e.lastUsed < (e.kind === 'partial-stage' ? stalePartialMs : recentlyUsedMs));
  const remove = new Set<CacheEntry>();
  for (const e of entries) {
    if (protectedEntry(e)) continue;
    if (p.all || e.kind === 'partial-stage' || e.kind === 'superseded-deb') remove.add(e);
    // Current packages make the next bootstrap fast; only --all drops them.
    else if (e.kind === 'packages') continue;
    else if (p.maxAgeMs !== undefined && p.now - e.lastUsed > p.maxAgeMs) remove.add(e);
  }
  if (p.maxStageBytes !== undefined) {
    const stages = entries
      .filter((e) => (e.kind === 'stage' || e.kind === 'base-install') && !remove.has(e))
      .sort((a, b) => b.lastUsed - a.lastUsed);
    let total = stages.reduce((n, e) => n + e.bytes, 0);
    // Oldest first, until the rest fits.
    for (const e of [...stages].reverse()) {
      if (total <= p.maxStageBytes) break;
      if (protectedEntry(e)) continue;
      remove.add(e);
      total -= e.bytes;
    }
  }
  if (p.maxArtifactBytes !== undefined) {
    // A bound in bytes, not a count and no hour's grace: a build that compresses adds ~250 MB, one
    // with --compress none only a bmap of a few KB, and a count let a test run's bmap-only sets
    // push out the default image's .img.xz.
    const sets = entries
      .filter((e) => e.kind === 'artifacts' && !remove.has(e))
      .sort((a, b) => b.lastUsed - a.lastUsed);
    let kept = sets.filter((e) => keep.has(e.id)).reduce((n, e) => n + e.bytes, 0);
    for (const e of sets) {
      if (keep.has(e.id)) continue;
      if (kept + e.bytes > p.maxArtifactBytes) remove.add(e);
      else kept += e.bytes;
    }
  }
  return entries.filter((e) => remove.has(e));
}

/**
 * Pure: what `p` would remove but the grace periods keep: used within the last hour (a build may
 * be copying it), or a partial bootstrap touched within six hours (one may be writing it).
 */
export function heldBack(entries: readonly CacheEntry[], p: PrunePolicy): CacheEntry[] {
  const removed = new Set(planPrune(entries, p));
  return planPrune(entries, { ...p, noGrace: true }).filter((e) => !removed.has(e));
}

/** Pure: `name_version_arch.deb` files of which a newer copy (by mtime) of the same name and
 * arch exists: the archive moved on, and no future bootstrap will ask for the old one. */
export function supersededDebs(
  debs: readonly { file: string; mtimeMs: number }[],
): { file: string; mtimeMs: number }[] {
  const newest = new Map<string, number>();
  const keyOf = (file: string) => {
    const m = /^([^_]+)_[^_]+_([^_]+)\.deb$/.exec(file);
    return m ? `${m[1]}_${m[2]}` : undefined;
  };
  for (const d of debs) {
    const k = keyOf(d.file);
    if (k) newest.set(k, Math.max(newest.get(k) ?? 0, d.mtimeMs));
  }
  return debs.filter((d) => {
    const k = keyOf(d.file);
    return k !== undefined && d.mtimeMs < newest.get(k)!;
  });
}

const units: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** "8G", "500M", "1.5T", "1024" -> bytes; undefined when it is not a size. */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  return m ? Math.round(Number(m[1]) * units[m[2].toLowerCase()]) : undefined;
}

/** "30d", "12h", "90m" -> ms; undefined when it is not a duration. */
export function parseAge(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([dhm])\s*$/i.exec(text);
  if (!m) return undefined;
  const per = { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2].toLowerCase() as 'd' | 'h' | 'm'];
  return Math.round(Number(m[1]) * per);
}
