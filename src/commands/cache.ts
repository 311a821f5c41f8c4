/**
 * `armada cache ls|prune`: what the build and download caches hold, and removing what is no
 * longer worth its space (see src/cache/policy.ts for the rules a build applies by itself).
 */
import { listCache, type CacheListing, type StageInfo } from '../cache/read.js';
import { defaultPackages } from '../build/packages.js';
import { cacheDir } from '../cache/dir.js';
import {
  defaultPolicy,
  heldBack,
  planPrune,
  type CacheEntry,
  type PrunePolicy,
} from '../cache/policy.js';
import { safeRemoveTree } from '../safe-remove.js';
import { formatBinary } from '../format-bytes.js';

export interface CacheReport {
  dir: string;
  entries: CacheListing['entries'];
  totalBytes: number;
}

export interface PruneRequest {
  all?: boolean;
  maxStageBytes?: number;
  maxAgeMs?: number;
  dryRun?: boolean;
}

export interface PruneReport {
  dir: string;
  dryRun: boolean;
  removed: CacheEntry[];
  freedBytes: number;
  keptBytes: number;
  /** What would have gone but was used within the last hour (a build may be using it). */
  heldBack: CacheEntry[];
}

const total = (es: readonly CacheEntry[]) => es.reduce((n, e) => n + e.bytes, 0);

export async function listCacheReport(dir = cacheDir()): Promise<CacheReport> {
  const { entries } = await listCache(dir);
  return { dir, entries, totalBytes: total(entries) };
}

export async function pruneCache(r: PruneRequest, dir = cacheDir()): Promise<PruneReport> {
  const { entries } = await listCache(dir);
  const policy: PrunePolicy = {
    now: Date.now(),
    all: r.all ?? false,
    maxStageBytes: r.maxStageBytes ?? defaultPolicy.maxStageBytes,
    maxAgeMs: r.maxAgeMs ?? defaultPolicy.maxAgeMs,
    maxArtifactBytes: defaultPolicy.maxArtifactBytes,
  };
  const removed = planPrune(entries, policy);
  if (!r.dryRun) for (const e of removed) await safeRemoveTree(e.path);
  return {
    dir,
    dryRun: r.dryRun ?? false,
    removed,
    freedBytes: total(removed),
    keptBytes: total(entries) - total(removed),
    heldBack: heldBack(entries, policy),
  };
}

const size = (n: number) => formatBinary(n, 'coarse');
const age = (ms: number) => {
  const h = (Date.now() - ms) / 3_600_000;
  return h < 1 ? 'just now' : h < 48 ? `${Math.round(h)} h ago` : `${Math.round(h / 24)} days ago`;
};

/** Artifact sets are named by a full SHA-256; 16 hex digits tell them apart. */
const short = (id: string) => (/^[0-9a-f]{64}$/.test(id) ? `${id.slice(0, 16)}…` : id);

/** What a stage holds beyond the default package set (`--with ovs`, `--packages`), so stages of
 * one suite can be told apart. */
function extraPackages(s: StageInfo): string[] {
  if (!s.packageList || !s.suite || !(s.arch === 'arm64' || s.arch === 'armhf')) return [];
  const defaults = new Set(defaultPackages(s.arch, s.suite));
  return s.packageList.filter((p) => !defaults.has(p));
}

function describe(e: CacheListing['entries'][number]): string {
  const s = e.stage;
  if (e.kind === 'stage' && s?.suite) {
    const extra = extraPackages(s);
    return `${s.suite} ${s.arch ?? ''}${extra.length ? ` + ${extra.join(' ')}` : ''}${s.sourceDateEpoch ? ` (SOURCE_DATE_EPOCH ${s.sourceDateEpoch})` : ''}`;
  }
  if (e.kind === 'base-install' && s?.baseSha256)
    return `${s.codename ?? '?'} ${s.arch ?? ''} + Docker, base ${s.baseSha256.slice(0, 16)}…`;
  return '';
}

export function formatCacheList(r: CacheReport): string {
  if (!r.entries.length) return `${r.dir}: empty`;
  const rows = r.entries.map((e) =>
    `  ${e.kind.padEnd(15)} ${size(e.bytes).padStart(9)}  ${age(e.lastUsed).padEnd(13)} ${short(e.id)}  ${describe(e)}`.trimEnd(),
  );
  return [
    `${r.dir}: ${size(r.totalBytes)}`,
    `  ${'kind'.padEnd(15)} ${'size'.padStart(9)}  ${'last used'.padEnd(13)} what`,
    ...rows,
    `'armada cache prune' keeps stages and installed bases within ${size(defaultPolicy.maxStageBytes)} (least recently used go first) and drops what was unused for 30 days; --all removes all but what was used within the last hour`,
  ].join('\n');
}

/** Pure: the line that says what the hour's grace kept, or '' when it kept nothing. */
function formatHeldBack(held: readonly CacheEntry[]): string {
  if (!held.length) return '';
  const why = (e: CacheEntry) =>
    e.kind === 'partial-stage' ? 'a bootstrap wrote to it within 6 h' : 'used within the last hour';
  const what = held.map((e) => `${e.kind} ${short(e.id)} (${why(e)})`).join(', ');
  return `kept what a running build may be using, ${size(total(held))} (prune again later): ${what}`;
}

export function formatPrune(r: PruneReport): string {
  const verb = r.dryRun ? 'would remove' : 'removed';
  const held = formatHeldBack(r.heldBack);
  const lines = r.removed.length
    ? [
        ...r.removed.map((e) => `  ${verb} ${e.kind} ${e.id} (${size(e.bytes)})`),
        `${r.dryRun ? 'would free' : 'freed'} ${size(r.freedBytes)}; ${size(r.keptBytes)} kept in ${r.dir}`,
      ]
    : [`nothing to remove in ${r.dir} (${size(r.keptBytes)} kept)`];
  return [...lines, ...(held ? [held] : [])].join('\n');
}
