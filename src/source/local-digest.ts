/**
 * The sha256 of a local image, read from the memo of files already hashed when the file is the
 * very one hashed before (src/source/digest-memo.ts says why that is safe), else hashed in
 * full and remembered. The memo is a convenience: a memo that cannot be read or written only costs
 * the hashing, never the flash.
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { cacheDir } from '../cache/dir.js';
import { verifiedImagesFile } from '../cache/layout.js';
import { log } from '../log.js';
import { sha256OfFile } from './checksum.js';
import {
  lookupMemo,
  memoKey,
  parseMemo,
  serializeMemo,
  withEntry,
  withoutPath,
  type MemoEntry,
} from './digest-memo.js';

/** Where the memo lives unless told otherwise: beside the download cache (`build --base`
 * passes its --cache-dir, so flash and build share one memo). */
export function defaultDigestMemo(dir = cacheDir()): string {
  return verifiedImagesFile(dir);
}

async function identity(path: string): Promise<string> {
  return memoKey(await stat(path, { bigint: true }));
}

async function readMemo(memoFile: string) {
  try {
    return parseMemo(await readFile(memoFile, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      log.debug(`digest memo ${memoFile} unreadable: ${(error as Error).message}`);
    return [];
  }
}

async function update(memoFile: string, change: (entries: MemoEntry[]) => MemoEntry[]) {
  try {
    const entries = change(await readMemo(memoFile));
    await mkdir(dirname(memoFile), { recursive: true });
    // Renamed into place: a concurrent flash reads the old memo or the new one, never half of one.
    const temp = `${memoFile}.${process.pid}.tmp`;
    await writeFile(temp, serializeMemo(entries));
    await rename(temp, memoFile);
  } catch (error) {
    log.debug(`digest memo ${memoFile} not written: ${(error as Error).message}`);
  }
}

function remember(memoFile: string, key: string, path: string, sha256: string) {
  return update(memoFile, (entries) =>
    withEntry(entries, { key, path, sha256, hashedAt: Date.now() }),
  );
}

/** The next run hashes `path` again: after a failed flash, the memo's word is not taken twice. */
export function forgetLocalImage(path: string, memoFile: string): Promise<void> {
  return update(memoFile, (entries) => withoutPath(entries, path));
}

export interface LocalDigest {
  sha256: string;
  /** Taken from the memo: the file was not read. */
  remembered: boolean;
}

/** `memoFile` undefined: hash the file every time. */
export async function sha256OfLocalImage(
  path: string,
  memoFile: string | undefined,
): Promise<LocalDigest> {
  if (memoFile === undefined) return { sha256: await sha256OfFile(path), remembered: false };
  const key = await identity(path);
  const known = lookupMemo(await readMemo(memoFile), key);
  if (known) return { sha256: known, remembered: true };
  const sha256 = await sha256OfFile(path);
  // Changed while it was read (a copy still being written): hashed bytes of no lasting file.
  if ((await identity(path)) === key) await remember(memoFile, key, path, sha256);
  return { sha256, remembered: false };
}
