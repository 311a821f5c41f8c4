/**
 * Writes planned files into the root filesystem with fixed modes (and fixed mtimes when the
 * build is reproducible). Paths are absolute inside the image; nothing may escape the root, not
 * even through the tree's own links (a base's `etc/docker -> /etc/docker` names its own
 * /etc/docker: root-fs.ts).
 */
import { chmod, lutimes, mkdir, rm, symlink, utimes } from 'node:fs/promises';
import { dirname, normalize } from 'node:path';
import { InternalError } from '../errors.js';
import { inRoot, writeInRoot } from '../tree/root-fs.js';

export interface FileSpec {
  path: string;
  mode: number;
  content: string | Uint8Array;
}

export interface SymlinkSpec {
  path: string;
  target: string;
}

function checked(path: string): string {
  const clean = normalize(path);
  if (!clean.startsWith('/') || clean.split('/').includes('..'))
    throw new InternalError(`bad image path ${path}`);
  return clean;
}

export async function applyFiles(
  root: string,
  files: readonly FileSpec[],
  symlinks: readonly SymlinkSpec[] = [],
  mtime?: Date,
): Promise<void> {
  for (const f of files) {
    const dest = await writeInRoot(root, checked(f.path), f.content);
    await chmod(dest, f.mode);
    if (mtime) await utimes(dest, mtime, mtime);
  }
  for (const s of symlinks) {
    const dest = await inRoot(root, checked(s.path));
    await mkdir(dirname(dest), { recursive: true });
    await rm(dest, { force: true });
    await symlink(s.target, dest);
    if (mtime) await lutimes(dest, mtime, mtime);
  }
}
