/**
 * FAT partitions inside an image file or device, through mtools' `file@@offset` syntax:
 * no mount, no loop device, no root for image files. mtools updates both FATs and FSInfo,
 * so `fsck.vfat -n` stays clean.
 */
import { readFile, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { CommandFailedError, run, type Command } from '../exec.js';
import { tempDir } from '../temp-dir.js';

export interface FatVolume {
  path: string;
  offsetBytes: number;
}

const env = { MTOOLS_SKIP_CHECK: '1', MTOOLS_NO_VFAT: '' };

export function drive(v: FatVolume): string {
  return v.offsetBytes ? `${v.path}@@${v.offsetBytes}` : v.path;
}

function mcopyOutCommand(v: FatVolume, path: string, dest: string): Command {
  return ['mcopy', ['-n', '-i', drive(v), `::${path}`, dest]];
}

function mcopyInCommand(v: FatVolume, src: string, path: string): Command {
  // -o overwrite, -m keep the source mtime (reproducible images).
  return ['mcopy', ['-o', '-m', '-i', drive(v), src, `::${path}`]];
}

/** mtools' words for a path that is not on the volume; anything else is a real failure. */
function isFatNotFound(stderr: string): boolean {
  return /File "[^"]*" not found/.test(stderr);
}

/**
 * Paths (with leading '/') of everything below dir, recursively; [] when dir is missing. A
 * volume that cannot be read (not FAT, I/O error) throws: "absent" would hide it. Hidden and
 * system files are listed too (`-a`): mdir leaves them out otherwise, and a file the listing
 * misses is one a re-seed deletes without overwriting it first.
 */
export async function listFat(v: FatVolume, dir = '/'): Promise<string[]> {
  const cmd: Command = ['mdir', ['-/', '-b', '-a', '-i', drive(v), `::${dir}`]];
  const r = await run(cmd, { env, allowFailure: true });
  if (r.exitCode !== 0) {
    if (isFatNotFound(r.stderr)) return [];
    throw new CommandFailedError(cmd, r.exitCode, r.stderr);
  }
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => l.replace(/^::/, ''))
    .map((l) => (l.startsWith('/') ? l : `/${l}`));
}

/** Pure: free bytes and cluster size from `minfo` and `mdir` output. */
export function parseFatSpace(
  minfo: string,
  mdir: string,
): { freeBytes: number; clusterBytes: number } | undefined {
  const sector = /sector size: (\d+) bytes/.exec(minfo)?.[1];
  const cluster = /cluster size: (\d+) sectors/.exec(minfo)?.[1];
  // mdir groups digits with spaces ("1 028 096 bytes free").
  const free = /([\d ]+) bytes free/.exec(mdir)?.[1];
  if (!sector || !cluster || !free) return undefined;
  return {
    freeBytes: Number(free.replace(/ /g, '')),
    clusterBytes: Number(sector) * Number(cluster),
  };
}

/** Free space of the volume, or undefined when mtools cannot say. */
export async function fatSpace(
  v: FatVolume,
): Promise<{ freeBytes: number; clusterBytes: number } | undefined> {
  const info = await run(['minfo', ['-i', drive(v), '::']], { env, allowFailure: true });
  const dir = await run(['mdir', ['-i', drive(v), '::/']], { env, allowFailure: true });
  if (info.exitCode !== 0 || dir.exitCode !== 0) return undefined;
  return parseFatSpace(info.stdout, dir.stdout);
}

/** The file's bytes; undefined when it is not there. Other failures throw. */
export async function readFat(v: FatVolume, path: string): Promise<Buffer | undefined> {
  const { dir, remove } = await tempDir('armada-fat-');
  try {
    const dest = join(dir, 'file');
    const cmd = mcopyOutCommand(v, path, dest);
    const r = await run(cmd, { env, allowFailure: true });
    if (r.exitCode !== 0) {
      if (isFatNotFound(r.stderr)) return undefined;
      throw new CommandFailedError(cmd, r.exitCode, r.stderr);
    }
    return await readFile(dest);
  } finally {
    await remove();
  }
}

async function mkdirFat(v: FatVolume, dir: string): Promise<void> {
  const parts = dir.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const sub = '/' + parts.slice(0, i).join('/');
    // -D s: an existing directory is skipped (exit 1, no message); a real failure shows in the
    // mcopy that follows, which is not allowed to fail.
    await run(['mmd', ['-D', 's', '-i', drive(v), `::${sub}`]], { env, allowFailure: true });
  }
}

export async function writeFat(
  v: FatVolume,
  path: string,
  content: string | Uint8Array,
  mtime?: Date,
): Promise<void> {
  const { dir, remove } = await tempDir('armada-fat-');
  try {
    const src = join(dir, 'file');
    await writeFile(src, content);
    await chmod(src, 0o600);
    if (mtime) {
      const { utimes } = await import('node:fs/promises');
      await utimes(src, mtime, mtime);
    }
    const parent = path.split('/').slice(0, -1).join('/');
    if (parent) await mkdirFat(v, parent);
    await run(mcopyInCommand(v, src, path), { env });
  } finally {
    await remove();
  }
}

/** Deletes a file; one that is not there is fine, a volume that cannot be written is not. */
export async function deleteFat(v: FatVolume, path: string): Promise<void> {
  const cmd: Command = ['mdel', ['-i', drive(v), `::${path}`]];
  const r = await run(cmd, { env, allowFailure: true });
  if (r.exitCode !== 0 && !isFatNotFound(r.stderr))
    throw new CommandFailedError(cmd, r.exitCode, r.stderr);
}

export { env as mtoolsEnv };
