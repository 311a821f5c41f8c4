/**
 * Writes planned files into the root filesystem with fixed modes (and fixed mtimes when the
 * build is reproducible). Paths are absolute inside the image; nothing may escape the root.
 */
import { chmod, lutimes, mkdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import { InternalError } from '../errors.js';

export interface FileSpec {
  path: string;
  mode: number;
  content: string | Uint8Array;
}

export interface SymlinkSpec {
  path: string;
  target: string;
}

function inside(root: string, path: string): string {
  const clean = normalize(path);
  if (!clean.startsWith('/') || clean.split('/').includes('..'))
    throw new InternalError(`bad image path ${path}`);
  return join(root, clean);
}

export async function applyFiles(
  root: string,
  files: readonly FileSpec[],
  symlinks: readonly SymlinkSpec[] = [],
  mtime?: Date,
): Promise<void> {
  for (const f of files) {
    const dest = inside(root, f.path);
    await mkdir(dirname(dest), { recursive: true });
    await rm(dest, { force: true });
    await writeFile(dest, f.content);
    await chmod(dest, f.mode);
    if (mtime) await utimes(dest, mtime, mtime);
  }
  for (const s of symlinks) {
    const dest = inside(root, s.path);
    await mkdir(dirname(dest), { recursive: true });
    await rm(dest, { force: true });
    await symlink(s.target, dest);
    if (mtime) await lutimes(dest, mtime, mtime);
  }
}
