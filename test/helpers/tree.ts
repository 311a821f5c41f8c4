/**
 * A directory tree as mke2fs -d copies it, for comparing a filesystem (rdumped) with the tree it
 * should hold: every entry's kind, mode, owner, mtime (seconds), content hash and link target.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface TreeEntry {
  kind: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  content?: string;
  target?: string;
}

export async function readTree(root: string, rel = '', out = new Map<string, TreeEntry>()) {
  for (const name of (await readdir(join(root, rel))).sort()) {
    const path = `${rel}/${name}`;
    if (path === '/lost+found') continue;
    const s = await lstat(join(root, path));
    const e: TreeEntry = {
      kind: s.isDirectory() ? 'dir' : s.isFile() ? 'file' : s.isSymbolicLink() ? 'symlink' : '?',
      mode: s.mode,
      uid: s.uid,
      gid: s.gid,
      mtime: Math.floor(s.mtimeMs / 1000),
    };
    if (s.isFile())
      e.content = createHash('sha256')
        .update(await readFile(join(root, path)))
        .digest('hex');
    if (s.isSymbolicLink()) e.target = await readlink(join(root, path));
    out.set(path, e);
    if (s.isDirectory()) await readTree(root, path, out);
  }
  return out;
}

/**
 * The ext4 filesystem at `offset` of `image` as a tree. rdump does not set a symlink's own
 * times, so those are read from the filesystem.
 */
export async function readExt4Tree(image: string, offset: number, scratch: string) {
  const spec = `${image}?offset=${offset}`;
  await mkdir(scratch, { recursive: true });
  execFileSync('debugfs', ['-R', `rdump / "${scratch}"`, spec], { stdio: 'pipe' });
  const tree = await readTree(scratch);
  for (const [path, e] of tree)
    if (e.kind === 'symlink') {
      const stat = execFileSync('debugfs', ['-R', `stat "${path}"`, spec], {
        encoding: 'utf8',
        stdio: 'pipe',
      });
      e.mtime = parseInt(/mtime: 0x([0-9a-f]+)/.exec(stat)![1], 16);
    }
  return tree;
}
