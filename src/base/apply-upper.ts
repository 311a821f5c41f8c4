/**
 * Applies a reused install's overlay changes to an ext4 image of the installed root (see
 * plan-upper.ts). The merged tree is the truth: an upper directory's lower entries that the merged
 * tree lacks were deleted (whiteouts, opaque directories), and each upper entry is put with the
 * metadata and extended attributes mke2fs -d would have copied from the merged tree.
 */
import { lstat, readdir, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dirent, Stats } from 'node:fs';
import { run, which } from '../exec.js';
import { MissingToolError } from '../errors.js';
import { unlessMissing } from '../fs-errors.js';
import { debugfsErrors, debugfsScriptCommand } from '../image/debugfs.js';
import {
  parseGetfattr,
  planUpperScript,
  withoutFsync,
  type EntryKind,
  type EntryMeta,
  type UpperChange,
} from './plan-upper.js';

export interface OverlayTrees {
  /** The overlay's mount point: the tree this build made. */
  merged: string;
  upper: string;
  /** The cached installed root (the overlay's lower layer). */
  lower: string;
}

const kindOf = (s: Stats | Dirent): EntryKind =>
  s.isDirectory() ? 'dir' : s.isFile() ? 'file' : s.isSymbolicLink() ? 'symlink' : 'other';

const allocated = (s: Stats) => s.blocks * 512;

async function below(dir: string, rel: string, out: { path: string; kind: EntryKind }[] = []) {
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    out.push({ path: `${rel}/${e.name}`, kind: kindOf(e) });
    if (e.isDirectory()) await below(join(dir, e.name), `${rel}/${e.name}`, out);
  }
  return out;
}

async function lowerDelete(lower: string, path: string, kind: EntryKind): Promise<UpperChange> {
  let bytes = allocated(await lstat(join(lower, path)));
  if (kind !== 'dir') return { op: 'delete', path, kind, allocated: bytes };
  const entries = await below(join(lower, path), path);
  for (const e of entries) bytes += allocated(await lstat(join(lower, e.path)));
  return { op: 'delete', path, kind, below: entries, allocated: bytes };
}

async function meta(path: string): Promise<EntryMeta> {
  const s = await lstat(path);
  const kind = kindOf(s);
  return {
    kind,
    mode: s.mode,
    uid: s.uid,
    gid: s.gid,
    atimeSec: Math.floor(s.atimeMs / 1000),
    mtimeSec: Math.floor(s.mtimeMs / 1000),
    ctimeSec: Math.floor(s.ctimeMs / 1000),
    nlink: s.nlink,
    allocated: allocated(s),
    ...(kind === 'symlink' ? { target: await readlink(path) } : {}),
  };
}

/** The changes of one upper directory `rel` ('' for the root), then of its subdirectories. */
async function changesIn(t: OverlayTrees, rel: string, out: UpperChange[]): Promise<void> {
  const merged = new Set(await readdir(join(t.merged, rel)));
  const lowerEntries = await unlessMissing(
    readdir(join(t.lower, rel), { withFileTypes: true }),
    [] as Dirent[],
  ).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOTDIR') return [] as Dirent[];
    throw e;
  });
  const lower = new Map(lowerEntries.map((e) => [e.name, kindOf(e)]));
  for (const [name, kind] of [...lower].sort(([a], [b]) => a.localeCompare(b)))
    if (!merged.has(name)) out.push(await lowerDelete(t.lower, `${rel}/${name}`, kind));
  const upper = (await readdir(join(t.upper, rel))).sort();
  for (const name of upper) {
    // A whiteout: the name is gone from the merged tree, and was deleted above.
    if (!merged.has(name)) continue;
    const path = `${rel}/${name}`;
    const m = await meta(join(t.merged, path));
    let under = lower.get(name);
    if (under === 'dir' && m.kind !== 'dir') {
      out.push(await lowerDelete(t.lower, path, under));
      under = undefined;
    }
    out.push({
      op: 'put',
      path,
      meta: m,
      source: join(t.merged, path),
      ...(under
        ? { lower: under, lowerAllocated: allocated(await lstat(join(t.lower, path))) }
        : {}),
    });
    if (m.kind === 'dir') await changesIn(t, path, out);
  }
}

/** Extended attributes of the put entries, each value written to a file under `dir`. */
async function addXattrs(changes: UpperChange[], dir: string): Promise<string | undefined> {
  const puts = changes.filter((c) => c.op === 'put');
  if (!puts.length) return undefined;
  const r = await run(
    [
      'getfattr',
      ['--absolute-names', '-h', '-d', '-m', '-', '-e', 'hex', ...puts.map((p) => p.source)],
    ],
    { allowFailure: true },
  ).catch((e: unknown) => {
    if (e instanceof MissingToolError) return undefined;
    throw e;
  });
  if (!r || r.exitCode !== 0)
    return `getfattr ${r ? `failed: ${r.stderr.trim().split('\n')[0]}` : 'is not installed (apt package attr)'}`;
  const found = parseGetfattr(r.stdout);
  const asked = new Set(puts.map((p) => p.source));
  const unknown = [...found.keys()].find((f) => !asked.has(f));
  if (unknown !== undefined) return `getfattr named a file it was not asked about: ${unknown}`;
  let n = 0;
  for (const p of puts) {
    const attrs = found.get(p.source);
    if (!attrs?.size) continue;
    p.meta.xattrs = [];
    for (const [name, value] of [...attrs].sort(([a], [b]) => a.localeCompare(b))) {
      const valueFile = join(dir, `xattr-${n++}`);
      await writeFile(valueFile, value);
      p.meta.xattrs.push({ name, valueFile });
    }
  }
  return undefined;
}

/**
 * This build's changes to the reused root, read from the overlay (with the extended attributes of
 * what they put, each value in a file under `workDir`), or why they cannot be applied with debugfs.
 */
export async function readUpperChanges(
  trees: OverlayTrees,
  workDir: string,
): Promise<{ changes: UpperChange[] } | { fallback: string }> {
  const changes: UpperChange[] = [];
  await changesIn(trees, '', changes);
  const noXattrs = await addXattrs(changes, workDir);
  return noXattrs ? { fallback: noXattrs } : { changes };
}

/**
 * Turns the ext4 filesystem at `offsetBytes` of `image` (made from the lower tree) into the merged
 * tree, or says why it could not (the caller then makes the root with mke2fs -d, overwriting
 * whatever this wrote).
 */
export async function applyUpper(
  image: string,
  offsetBytes: number,
  changes: readonly UpperChange[],
  workDir: string,
  epoch?: number,
): Promise<{ fallback: string } | undefined> {
  const plan = planUpperScript(changes);
  if ('fallback' in plan) return plan;
  const scriptPath = join(workDir, 'upper.debugfs');
  await writeFile(scriptPath, plan.script);
  // The fake time stamps the superblock's write time as mke2fs's does.
  const env = epoch !== undefined ? { E2FSPROGS_FAKE_TIME: String(epoch) } : {};
  const cmd = debugfsScriptCommand(image, offsetBytes, scriptPath);
  const r = await run(withoutFsync(cmd, await which('eatmydata')), { env });
  const errors = debugfsErrors(r.stderr);
  return errors.length ? { fallback: `debugfs: ${errors.slice(0, 3).join('; ')}` } : undefined;
}
