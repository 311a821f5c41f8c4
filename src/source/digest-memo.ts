/**
 * A memo of local files already hashed, so flashing the same image again (the next card) does not
 * read and hash the whole file before the first write. An entry is keyed by the file's identity as
 * the kernel reports it: device, inode, size, mtime and ctime in nanoseconds. Any write to the file,
 * a replacement (new inode) or even a `touch -d` to an old date changes ctime, which no one but the
 * clock can set back; so a hit means the very bytes that were hashed. The memo records digests, not
 * verdicts: the expected sha256 is compared with the remembered digest every time. Pure.
 */

/** What the memo needs of `stat(path, { bigint: true })`. */
export interface FileIdentity {
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

export interface MemoEntry {
  /** The identity key (memoKey). */
  key: string;
  /** The path it was hashed at: for people reading the file, not part of the key. */
  path: string;
  sha256: string;
  /** When it was hashed (ms since the epoch): the oldest entries go first. */
  hashedAt: number;
}

/** Entries kept: a few images flashed in turn, never a growing file. */
const memoLimit = 64;

export function memoKey(id: FileIdentity): string {
  return [id.dev, id.ino, id.size, id.mtimeNs, id.ctimeNs].join(':');
}

/** The memo file's entries; anything unreadable (a torn or foreign file) counts as empty. */
export function parseMemo(text: string): MemoEntry[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return [];
  }
  const entries = (data as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(entries)) return [];
  return entries.filter(
    (e): e is MemoEntry =>
      typeof e === 'object' &&
      e !== null &&
      typeof (e as MemoEntry).key === 'string' &&
      typeof (e as MemoEntry).path === 'string' &&
      typeof (e as MemoEntry).sha256 === 'string' &&
      /^[0-9a-f]{64}$/.test((e as MemoEntry).sha256) &&
      typeof (e as MemoEntry).hashedAt === 'number',
  );
}

export function lookupMemo(entries: readonly MemoEntry[], key: string): string | undefined {
  return entries.find((e) => e.key === key)?.sha256;
}

/** The memo with `entry` in it (replacing one of the same key), the newest `limit` kept. */
export function withEntry(
  entries: readonly MemoEntry[],
  entry: MemoEntry,
  limit = memoLimit,
): MemoEntry[] {
  return [...entries.filter((e) => e.key !== entry.key), entry]
    .sort((a, b) => b.hashedAt - a.hashedAt)
    .slice(0, limit);
}

/** The memo without whatever it holds for `path`. */
export function withoutPath(entries: readonly MemoEntry[], path: string): MemoEntry[] {
  return entries.filter((e) => e.path !== path);
}

export function serializeMemo(entries: readonly MemoEntry[]): string {
  return `${JSON.stringify({ version: 1, entries }, null, 1)}\n`;
}
