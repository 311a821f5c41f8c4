/**
 * A reused install's root filesystem without mke2fs -d: the installed-base cache keeps an ext4
 * image of the installed root, and this build's few changes (the overlay's upper layer: files the
 * later steps wrote, the ones they deleted) are applied to a copy of it with one debugfs script.
 * The changes are read by apply-upper.ts; this plans the script. Pure.
 */
import type { Command } from '../exec.js';
import { debugfsQuote } from '../image/debugfs.js';

export type EntryKind = 'dir' | 'file' | 'symlink' | 'other';

/** What mke2fs -d would copy from the merged tree: lstat's fields, a symlink's target, xattrs. */
export interface EntryMeta {
  kind: EntryKind;
  /** st_mode: type bits and permissions. */
  mode: number;
  uid: number;
  gid: number;
  atimeSec: number;
  mtimeSec: number;
  ctimeSec: number;
  nlink: number;
  /** Bytes allocated (st_blocks × 512), as du counts them. */
  allocated: number;
  target?: string;
  /** Extended attributes, each value in a file (debugfs's ea_set reads binary values from one). */
  xattrs?: { name: string; valueFile: string }[];
}

export type UpperChange =
  /** A lower entry that the merged tree no longer has (deleted, or hidden by an opaque dir). */
  | {
      op: 'delete';
      path: string;
      kind: EntryKind;
      /** For a directory: every entry below it, parents before children. */
      below?: { path: string; kind: EntryKind }[];
      /** Bytes allocated to it and everything below it. */
      allocated: number;
    }
  /**
   * An entry of the upper layer: new, or over the lower one of kind `lower` (a lower directory
   * under a non-directory comes as a delete first, so `lower` is then absent).
   */
  | {
      op: 'put';
      path: string;
      meta: EntryMeta;
      lower?: EntryKind;
      /** Bytes allocated to the lower entry it replaces. */
      lowerAllocated?: number;
      source: string;
    };

export interface ContentSize {
  bytes: number;
  inodes: number;
}

/**
 * The merged tree's size as `du -sx` would give it, from the lower tree's and the changes: what
 * the root is planned by, without walking the whole merged tree (a second or so through the
 * overlay). Hard links are counted per name, not per inode: a few KiB off at worst, and the
 * plan's headroom is hundreds of MiB.
 */
export function contentAfter(lower: ContentSize, changes: readonly UpperChange[]): ContentSize {
  let { bytes, inodes } = lower;
  for (const c of changes)
    if (c.op === 'delete') {
      bytes -= c.allocated;
      inodes -= 1 + (c.below?.length ?? 0);
    } else {
      bytes += c.meta.allocated - (c.lowerAllocated ?? 0);
      if (!c.lower) inodes += 1;
    }
  return { bytes, inodes };
}

export type UpperPlan = { script: string } | { fallback: string };

/**
 * debugfs fsyncs the image when it closes it: right after the cached root was copied in, that
 * waits for the copied gigabyte to reach the disk (about a second here) before anything else can
 * run. Under eatmydata (when installed) it does not; write-artifacts then syncs the image while it
 * hashes it, so the write-back overlaps the hashing and the image is still on disk at the end.
 */
export function withoutFsync(cmd: Command, eatmydata: string | undefined): Command {
  return eatmydata ? [eatmydata, [cmd[0], ...cmd[1]]] : cmd;
}

function deleteLines(path: string, kind: EntryKind, below: { path: string; kind: EntryKind }[]) {
  const lines: string[] = [];
  // Children before their parent: debugfs's rmdir removes only an empty directory.
  for (const e of [...below].reverse())
    lines.push(`${e.kind === 'dir' ? 'rmdir' : 'rm'} ${debugfsQuote(e.path)}`);
  lines.push(`${kind === 'dir' ? 'rmdir' : 'rm'} ${debugfsQuote(path)}`);
  return lines;
}

function metaLines(path: string, m: EntryMeta): string[] {
  const q = debugfsQuote(path);
  const lines = [
    `set_inode_field ${q} mode 0${m.mode.toString(8)}`,
    `set_inode_field ${q} uid ${m.uid}`,
    `set_inode_field ${q} gid ${m.gid}`,
    `set_inode_field ${q} atime @${m.atimeSec}`,
    `set_inode_field ${q} mtime @${m.mtimeSec}`,
    `set_inode_field ${q} ctime @${m.ctimeSec}`,
  ];
  for (const x of m.xattrs ?? [])
    lines.push(`ea_set -f ${debugfsQuote(x.valueFile)} ${q} ${debugfsQuote(x.name)}`);
  return lines;
}

/**
 * The debugfs script that turns the cached installed root into the merged tree, or why it cannot
 * (then the root is made with mke2fs -d, as without a cache): hard links made in the upper layer,
 * device nodes and other special files, names debugfs's parser cannot take.
 */
export function planUpperScript(changes: readonly UpperChange[]): UpperPlan {
  const lines: string[] = [];
  for (const c of changes) {
    const paths = [
      c.path,
      ...(c.op === 'delete'
        ? (c.below ?? []).map((b) => b.path)
        : [c.source, ...(c.meta.xattrs ?? []).flatMap((x) => [x.name, x.valueFile])]),
    ];
    const bad = paths.find((p) => /[\n\r]/.test(p));
    if (bad !== undefined) return { fallback: `a path with a line break: ${JSON.stringify(bad)}` };
    if (c.op === 'delete') {
      lines.push(...deleteLines(c.path, c.kind, c.below ?? []));
      continue;
    }
    const { meta } = c;
    if (meta.kind === 'other') return { fallback: `${c.path} is a special file` };
    if (meta.kind === 'file' && meta.nlink > 1)
      return { fallback: `${c.path} has ${meta.nlink} hard links` };
    if (meta.kind === 'symlink' && (meta.target === undefined || /[\n\r]/.test(meta.target)))
      return { fallback: `${c.path}: symlink target unreadable or with a line break` };
    if (c.lower === 'dir' && meta.kind !== 'dir')
      throw new Error(`${c.path}: a lower directory under a ${meta.kind} must be deleted first`);
    // A directory over a directory keeps the lower one (its hidden entries come as deletes).
    if (c.lower && c.lower !== 'dir') lines.push(`rm ${debugfsQuote(c.path)}`);
    if (meta.kind === 'dir' && c.lower !== 'dir') lines.push(`mkdir ${debugfsQuote(c.path)}`);
    if (meta.kind === 'file') lines.push(`write ${debugfsQuote(c.source)} ${debugfsQuote(c.path)}`);
    if (meta.kind === 'symlink')
      lines.push(`symlink ${debugfsQuote(c.path)} ${debugfsQuote(meta.target!)}`);
    lines.push(...metaLines(c.path, meta));
  }
  return { script: lines.map((l) => `${l}\n`).join('') };
}

/**
 * getfattr escapes a backslash and unprintable bytes (UTF-8's too) in names as \ooo (octal). A
 * name it printed otherwise matches no path asked about, and the caller falls back.
 */
const unescape = (s: string) =>
  /\\[0-7]{3}/.test(s)
    ? Buffer.from(
        s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))),
        'latin1',
      ).toString('utf8')
    : s;

/** getfattr's `-d -e hex` dump → path → (name → value). */
export function parseGetfattr(text: string): Map<string, Map<string, Buffer>> {
  const out = new Map<string, Map<string, Buffer>>();
  let current: Map<string, Buffer> | undefined;
  for (const line of text.split('\n')) {
    const file = /^# file: (.*)$/.exec(line);
    if (file) out.set(unescape(file[1]), (current = new Map<string, Buffer>()));
    const attr = /^([^=\s#][^=]*)=0x([0-9a-fA-F]*)$/.exec(line);
    if (attr && current) current.set(attr[1], Buffer.from(attr[2], 'hex'));
  }
  return out;
}
