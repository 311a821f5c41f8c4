/**
 * File operations on a root filesystem tree that stay inside it (resolve-in-root.ts): what host
 * code writes, reads, truncates or deletes through a path in a tree ends up in that tree, even
 * when the tree's own links point elsewhere. No program of the tree runs while they do (the
 * sandbox's processes end with it), so nothing changes a link between the check and the use.
 */
import {
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rm,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isNotFound } from '../fs-errors.js';
import { resolveInRoot, type EntryKind, type TreeView } from './resolve-in-root.js';

function view(root: string): TreeView {
  return {
    kind: async (path): Promise<EntryKind> => {
      try {
        const st = await lstat(join(root, path));
        return st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : 'other';
      } catch (e) {
        if (isNotFound(e) || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return 'missing';
        throw e;
      }
    },
    readlink: (path) => readlink(join(root, path)),
  };
}

/**
 * The host path of `path` inside the tree at `root`. `followLast` false (the default) leaves a
 * link as the last component in place, to be replaced or removed; true follows it in the tree.
 */
export async function inRoot(root: string, path: string, followLast = false): Promise<string> {
  return join(root, await resolveInRoot(path, view(root), followLast));
}

/** Writes a new regular file at `path`, replacing what is there (a link is not written through). */
export async function writeInRoot(
  root: string,
  path: string,
  content: string | Uint8Array,
  mode?: number,
): Promise<string> {
  const dest = await inRoot(root, path);
  await mkdir(dirname(dest), { recursive: true });
  await rm(dest, { force: true });
  await writeFile(dest, content, mode === undefined ? {} : { mode });
  return dest;
}

/** Removes `path` (a link itself, not what it names); recursive for a directory. */
export async function rmInRoot(root: string, path: string, recursive = false): Promise<void> {
  await rm(await inRoot(root, path), { force: true, recursive });
}

/** Makes a directory and its parents inside the tree. */
export async function mkdirInRoot(root: string, path: string): Promise<string> {
  const dest = await inRoot(root, path, true);
  await mkdir(dest, { recursive: true });
  return dest;
}

/** Reads what `path` names in the tree (links followed inside it). */
export async function readInRoot(root: string, path: string): Promise<Buffer> {
  return readFile(await inRoot(root, path, true));
}

export async function readTextInRoot(root: string, path: string): Promise<string> {
  return readFile(await inRoot(root, path, true), 'utf8');
}

export async function readdirInRoot(root: string, path: string): Promise<string[]> {
  return readdir(await inRoot(root, path, true));
}

export async function truncateInRoot(root: string, path: string): Promise<void> {
  await truncate(await inRoot(root, path, true), 0);
}

/**
 * `path` as a real directory of the tree (a link or a file there is replaced): a mount point the
 * sandbox mounts on, which must not be a link the mount would follow.
 */
export async function realDirInRoot(root: string, path: string): Promise<string> {
  const dest = await inRoot(root, path);
  const st = await lstat(dest).catch(() => undefined);
  if (st && (st.isSymbolicLink() || !st.isDirectory()))
    await rm(dest, { force: true, recursive: true });
  await mkdir(dest, { recursive: true });
  return dest;
}
