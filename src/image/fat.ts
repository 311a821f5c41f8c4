/**
 * FAT partitions inside an image file or device, through mtools' `file@@offset` syntax:
 * no mount, no loop device, no root for image files. mtools updates both FATs and FSInfo,
 * so `fsck.vfat -n` stays clean.
 */
import { mkdtemp, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, runBuffer, type Command } from '../exec.js';

export interface FatVolume {
  path: string;
  offsetBytes: number;
}

const env = { MTOOLS_SKIP_CHECK: '1', MTOOLS_NO_VFAT: '' };

export function drive(v: FatVolume): string {
  return v.offsetBytes ? `${v.path}@@${v.offsetBytes}` : v.path;
}

export function mcopyOutCommand(v: FatVolume, path: string, dest: string): Command {
  return ['mcopy', ['-n', '-i', drive(v), `::${path}`, dest]];
}

export function mcopyInCommand(v: FatVolume, src: string, path: string): Command {
  // -o overwrite, -m keep the source mtime (reproducible images).
  return ['mcopy', ['-o', '-m', '-i', drive(v), src, `::${path}`]];
}

export function mdirCommand(v: FatVolume, dir: string): Command {
  return ['mdir', ['-b', '-i', drive(v), `::${dir}`]];
}

/** Paths (with leading '/') of everything below dir, recursively; [] when dir is missing. */
export async function listFat(v: FatVolume, dir = '/'): Promise<string[]> {
  const r = await run(['mdir', ['-/', '-b', '-i', drive(v), `::${dir}`]], {
    env,
    allowFailure: true,
  });
  if (r.exitCode !== 0) return [];
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

export async function readFat(v: FatVolume, path: string): Promise<Buffer | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'armada-fat-'));
  try {
    const dest = join(dir, 'file');
    const r = await run(mcopyOutCommand(v, path, dest), { env, allowFailure: true });
    if (r.exitCode !== 0) return undefined;
    return await readFile(dest);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function mkdirFat(v: FatVolume, dir: string): Promise<void> {
  const parts = dir.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const sub = '/' + parts.slice(0, i).join('/');
    await run(['mmd', ['-D', 's', '-i', drive(v), `::${sub}`]], { env, allowFailure: true });
  }
}

export async function writeFat(
  v: FatVolume,
  path: string,
  content: string | Uint8Array,
  mtime?: Date,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'armada-fat-'));
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
    await rm(dir, { recursive: true, force: true });
  }
}

export async function deleteFat(v: FatVolume, path: string): Promise<void> {
  await run(['mdel', ['-i', drive(v), `::${path}`]], { env, allowFailure: true });
}

export async function readFatBinary(v: FatVolume, path: string): Promise<Buffer> {
  return runBuffer(['mtype', ['-i', drive(v), `::${path}`]], { env });
}

export { env as mtoolsEnv };
