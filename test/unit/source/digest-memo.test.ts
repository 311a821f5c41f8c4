import { describe, expect, it } from 'vitest';
import {
  lookupMemo,
  memoKey,
  parseMemo,
  serializeMemo,
  withEntry,
  type FileIdentity,
  type MemoEntry,
} from '../../../src/source/digest-memo.js';

const id: FileIdentity = { dev: 2049n, ino: 131n, size: 1n << 30n, mtimeNs: 5n, ctimeNs: 7n };
const digest = (c: string) => c.repeat(64);
const entry = (key: string, hashedAt: number, sha = digest('a')): MemoEntry => ({
  key,
  path: `/images/${key}.img`,
  sha256: sha,
  hashedAt,
});

describe('memoKey', () => {
  it.each(Object.keys(id) as (keyof FileIdentity)[])(
    'changes when %s changes (another file, or the file was written)',
    (field) => {
      expect(memoKey({ ...id, [field]: id[field] + 1n })).not.toBe(memoKey(id));
    },
  );

  it('is the same for the same identity', () => {
    expect(memoKey({ ...id })).toBe(memoKey(id));
  });
});

describe('parseMemo', () => {
  it('reads what serializeMemo wrote', () => {
    const entries = [entry('k1', 2), entry('k2', 1, digest('b'))];
    expect(parseMemo(serializeMemo(entries))).toEqual(entries);
  });

  it.each(['', '{', 'null', '[]', '{"entries": 3}'])('treats %j as an empty memo', (text) => {
    expect(parseMemo(text)).toEqual([]);
  });

  it('drops malformed entries and keeps the rest', () => {
    const good = entry('k1', 1);
    const text = JSON.stringify({
      entries: [good, { ...good, sha256: 'ABC' }, { ...good, hashedAt: 'now' }, null, 'x'],
    });
    expect(parseMemo(text)).toEqual([good]);
  });
});

describe('withEntry and lookupMemo', () => {
  it('finds a digest by key only', () => {
    const entries = [entry('k1', 1, digest('c'))];
    expect(lookupMemo(entries, 'k1')).toBe(digest('c'));
    expect(lookupMemo(entries, 'k2')).toBeUndefined();
  });

  it('replaces an entry of the same key', () => {
    const entries = withEntry([entry('k1', 1, digest('a'))], entry('k1', 2, digest('d')));
    expect(entries).toEqual([entry('k1', 2, digest('d'))]);
  });

  it('keeps the newest entries up to the limit', () => {
    let entries: MemoEntry[] = [];
    for (let i = 0; i < 5; i++) entries = withEntry(entries, entry(`k${i}`, i), 3);
    expect(entries.map((e) => e.key)).toEqual(['k4', 'k3', 'k2']);
  });
});
