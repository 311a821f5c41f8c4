/**
 * apt's sources (sources.list, sources.list.d/*.list and *.sources) read from a directory tree:
 * the build host's /etc/apt, a root filesystem's, or (through debugfs) a base image's.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDeb822Sources, parseSourcesList, type AptSource } from './apt-sources.js';
import { unlessMissing } from '../fs-errors.js';

/** How to read text files and list directories of a tree; undefined / [] for what is missing. */
export interface TextTree {
  read(path: string): Promise<string | undefined>;
  list(dir: string): Promise<string[]>;
}

const hostTree: TextTree = {
  read: (path) => unlessMissing(readFile(path, 'utf8'), undefined),
  list: (dir) => unlessMissing(readdir(dir), [] as string[]),
};

export async function readAptSources(root: string, tree: TextTree): Promise<AptSource[]> {
  const out: AptSource[] = [];
  out.push(...parseSourcesList((await tree.read(join(root, 'sources.list'))) ?? ''));
  const dir = join(root, 'sources.list.d');
  for (const name of (await tree.list(dir)).sort()) {
    const text = (await tree.read(join(dir, name))) ?? '';
    if (name.endsWith('.list')) out.push(...parseSourcesList(text));
    else if (name.endsWith('.sources')) out.push(...parseDeb822Sources(text));
  }
  return out;
}

export async function readHostAptSources(root = '/etc/apt'): Promise<AptSource[]> {
  return readAptSources(root, hostTree);
}
