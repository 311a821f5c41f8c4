/**
 * Files in armada's config dir: written atomically (temp file + rename) so an interrupted run
 * never leaves half a key, or created exclusively so two runs never both make one. A temp file is
 * removed on every exit path, SIGINT included; errors name the config dir and its fix.
 */
import { link, rename, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { onCleanup } from '../cleanup.js';
import { giveToUser, makeUserDir, unwritableConfigDir } from '../config-dir.js';

/** A temp file beside `path`, removed when `fn` settles or the run is interrupted. */
async function withTempFile<T>(path: string, fn: (tmp: string) => Promise<T>): Promise<T> {
  const tmp = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
  const drop = onCleanup(`remove ${tmp}`, () => rm(tmp, { force: true }));
  try {
    return await fn(tmp);
  } catch (error) {
    throw (await unwritableConfigDir(dirname(path), error)) ?? error;
  } finally {
    await drop();
  }
}

export async function writeFileAtomic(
  path: string,
  content: string | Uint8Array,
  mode: number,
): Promise<void> {
  await makeUserDir(dirname(path));
  await withTempFile(path, async (tmp) => {
    await writeFile(tmp, content, { mode });
    await giveToUser([tmp]);
    await rename(tmp, path);
  });
}

/**
 * Creates `path` with `content` only when it does not exist yet, atomically: the content goes to
 * a temp file that is then hard-linked to `path` (link fails with EEXIST instead of replacing),
 * so two runs at once never both create it and nobody sees half a file. False when it existed.
 */
export async function createFileExclusive(
  path: string,
  content: string | Uint8Array,
  mode: number,
): Promise<boolean> {
  await makeUserDir(dirname(path));
  return withTempFile(path, async (tmp) => {
    await writeFile(tmp, content, { mode, flag: 'wx' });
    await giveToUser([tmp]);
    try {
      await link(tmp, path);
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === 'EEXIST') return false;
      throw error;
    }
  });
}
