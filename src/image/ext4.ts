/**
 * ext4 filesystems inside image files, read with debugfs (`image?offset=N`): no mount, no root.
 */
import { run, runBuffer } from '../exec.js';
import { debugfsCommand, type Ext4Volume } from './debugfs.js';

export async function readExt4(v: Ext4Volume, path: string): Promise<Buffer | undefined> {
  const exists = await run(debugfsCommand(v, `stat "${path}"`), { allowFailure: true });
  if (/File not found|not found by ext2_lookup/.test(exists.stderr) || exists.exitCode !== 0)
    return undefined;
  return runBuffer(debugfsCommand(v, `cat "${path}"`));
}

/** Names in a directory ('.' and '..' removed); undefined when the directory is missing. */
export async function listExt4(v: Ext4Volume, dir: string): Promise<string[] | undefined> {
  const r = await run(debugfsCommand(v, `ls -p "${dir}"`), { allowFailure: true });
  if (/not found|File not found/.test(r.stderr)) return undefined;
  // -p prints /inode/mode/uid/gid/name/size/ per entry.
  return r.stdout
    .split('\n')
    .map((l) => l.split('/'))
    .filter((f) => f.length >= 6)
    .map((f) => f[5])
    .filter((n) => n && n !== '.' && n !== '..');
}

export async function statExt4(v: Ext4Volume, path: string): Promise<string | undefined> {
  const r = await run(debugfsCommand(v, `stat "${path}"`), { allowFailure: true });
  return r.exitCode === 0 && r.stdout.includes('Inode:') ? r.stdout : undefined;
}
