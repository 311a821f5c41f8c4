/**
 * A path inside a root filesystem tree resolved the way the tree's own programs would see it
 * (openat2's RESOLVE_IN_ROOT): an absolute symlink target starts again at the tree's root, `..`
 * never climbs above it, and a chain of links is bounded. Host code that writes into or deletes
 * from a tree a base image made (its own links included) goes through this, so a link such as
 * `var/log -> /home` names the tree's /home, never the build host's. Pure: the tree is read
 * through `TreeView` (root-fs.ts for a directory on disk, a map in tests).
 */

import { UserError } from '../errors.js';

/** As Linux's MAXSYMLINKS. */
export const maxLinks = 40;

export type EntryKind = 'link' | 'dir' | 'other' | 'missing';

/** Paths given to a view are absolute inside the tree ('/etc/docker'). */
export interface TreeView {
  kind(path: string): Promise<EntryKind>;
  readlink(path: string): Promise<string>;
}

/** A tree whose links cannot be resolved (a loop) is a bad tree, not a bug. */
export class TreePathError extends UserError {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path} in the root filesystem: ${reason}`);
  }
}

function components(path: string): string[] {
  return path.split('/').filter((c) => c !== '' && c !== '.');
}

/**
 * `path`'s place in the tree, absolute inside it, with no symbolic link on the way. With
 * `followLast` false, a link as the last component is the answer itself (to replace or delete
 * it); with true it is followed too (to read or truncate what it names in the tree).
 */
export async function resolveInRoot(
  path: string,
  view: TreeView,
  followLast: boolean,
): Promise<string> {
  let pending = components(path);
  const done: string[] = [];
  let links = 0;
  while (pending.length) {
    const c = pending.shift()!;
    if (c === '..') {
      // Every component in `done` is a directory, not a link: its parent is the lexical one.
      done.pop();
      continue;
    }
    const here = '/' + [...done, c].join('/');
    const last = pending.length === 0;
    if ((!last || followLast) && (await view.kind(here)) === 'link') {
      if (++links > maxLinks) throw new TreePathError(path, 'too many levels of symbolic links');
      const target = await view.readlink(here);
      if (target.startsWith('/')) done.length = 0;
      pending = [...components(target), ...pending];
      continue;
    }
    done.push(c);
  }
  return '/' + done.join('/');
}
