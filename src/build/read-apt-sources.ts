import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDeb822Sources, parseSourcesList, type AptSource } from './apt-sources.js';

export async function readHostAptSources(root = '/etc/apt'): Promise<AptSource[]> {
  const out: AptSource[] = [];
  const list = await readFile(join(root, 'sources.list'), 'utf8').catch(() => '');
  out.push(...parseSourcesList(list));
  const dir = join(root, 'sources.list.d');
  const names = (await readdir(dir).catch(() => [] as string[])).sort();
  for (const name of names) {
    const text = await readFile(join(dir, name), 'utf8').catch(() => '');
    if (name.endsWith('.list')) out.push(...parseSourcesList(text));
    else if (name.endsWith('.sources')) out.push(...parseDeb822Sources(text));
  }
  return out;
}
