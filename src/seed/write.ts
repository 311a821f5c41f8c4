/**
 * writeSeed: one card's `armada/` into partition 1 (FAT) of an image file or block device,
 * through mtools' `file@@offset` (no mount, no root for image files), then read back and compared.
 * The files are staged in a private temp dir and copied in one recursive mcopy.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CheckFailedError, NotRootError, UserError } from '../errors.js';
import { run, type Command } from '../exec.js';
import { onCleanup } from '../cleanup.js';
import { drive, listFat, mtoolsEnv, type FatVolume } from '../image/fat.js';
import { isFatPartition } from '../image/partition-table.js';
import { readPartitionTable } from '../image/read-partition-table.js';
import type { PreparedSeed, SeedFile } from './types.js';
import { seedDir } from './plan.js';

export function deltreeCommand(v: FatVolume, dir: string): Command {
  return ['mdeltree', ['-i', drive(v), `::/${dir}`]];
}

export function copyTreeInCommand(v: FatVolume, localDir: string): Command {
  // -s recursive, -o overwrite, -m keep our mtimes, -Q stop at the first error.
  return ['mcopy', ['-s', '-o', '-m', '-Q', '-i', drive(v), localDir, '::/']];
}

export function copyTreeOutCommand(v: FatVolume, dir: string, localDir: string): Command {
  return ['mcopy', ['-s', '-n', '-i', drive(v), `::/${dir}`, localDir]];
}

/** Partition 1 of the target as a FAT volume, or a UserError naming what is wrong. */
export async function seedVolume(target: string): Promise<FatVolume> {
  const table = await readPartitionTable(target);
  const p1 = table.partitions.find((p) => p.index === 1);
  if (!p1) throw new UserError(`${target} has no partition 1; is it a Raspberry Pi image or card?`);
  if (!isFatPartition(p1))
    throw new UserError(
      `partition 1 of ${target} is not FAT (type ${p1.type}); armada seeds the FAT boot partition of Raspberry Pi images`,
    );
  return { path: target, offsetBytes: p1.offsetBytes };
}

async function assertWritable(target: string): Promise<void> {
  const s = await stat(target).catch(() => undefined);
  if (!s)
    throw new UserError(
      `${target} does not exist; give an image file or a card's device (see 'lsblk')`,
    );
  if (s.isBlockDevice() && process.getuid?.() !== 0)
    throw new NotRootError(`writing the seed to ${target}`);
  if (!s.isBlockDevice() && !s.isFile())
    throw new UserError(`${target} is neither an image file nor a block device`);
}

async function stage(
  files: readonly SeedFile[],
  mtime: Date,
): Promise<{ root: string; remove: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'armada-seed-'));
  await chmod(root, 0o700);
  const remove = onCleanup(`remove ${root}`, () => rm(root, { recursive: true, force: true }));
  try {
    for (const f of files) {
      if (!f.path.startsWith(`${seedDir}/`) || f.path.split('/').includes('..'))
        throw new UserError(`refusing to write ${f.path} outside ${seedDir}/`);
      const local = join(root, f.path);
      await mkdir(dirname(local), { recursive: true, mode: 0o700 });
      await writeFile(local, f.content, { mode: 0o600 });
      await utimes(local, mtime, mtime);
    }
  } catch (error) {
    await remove();
    throw error;
  }
  return { root, remove };
}

function bytesOf(content: string | Uint8Array): Buffer {
  return typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
}

/**
 * On a card, write out and forget the kernel's cached blocks so the read-back comes from the
 * card itself, not from memory. Image files need nothing.
 */
async function dropCache(target: string): Promise<void> {
  if (!(await stat(target)).isBlockDevice()) return;
  try {
    await run(['blockdev', ['--flushbufs', target]], { allowFailure: true, timeoutMs: 60_000 });
  } catch {
    // blockdev missing: the read-back still checks what the kernel holds.
  }
}

export async function writeSeed(target: string, seed: PreparedSeed): Promise<void> {
  await assertWritable(target);
  const v = await seedVolume(target);
  const staged = await stage(seed.files, new Date());
  try {
    // Replace, never merge: files of an earlier seed (old keys, another user's runcmd) must go.
    await run(deltreeCommand(v, seedDir), { env: mtoolsEnv, allowFailure: true });
    const leftover = await listFat(v, `/${seedDir}`);
    if (leftover.length)
      throw new CheckFailedError(
        `could not remove the old seed from ${target} (${leftover[0]} is still there)`,
      );
    await run(copyTreeInCommand(v, join(staged.root, seedDir)), {
      env: mtoolsEnv,
      timeoutMs: 120_000,
    });
    await dropCache(target);
    await verifySeed(v, seed.files);
  } finally {
    await staged.remove();
  }
}

/** Read every file back and compare; the listing must hold exactly the planned files. */
export async function verifySeed(v: FatVolume, files: readonly SeedFile[]): Promise<void> {
  const back = await mkdtemp(join(tmpdir(), 'armada-seed-check-'));
  const remove = onCleanup(`remove ${back}`, () => rm(back, { recursive: true, force: true }));
  try {
    await run(copyTreeOutCommand(v, seedDir, back), { env: mtoolsEnv, timeoutMs: 120_000 });
    for (const f of files) {
      const got = await readFile(join(back, f.path)).catch(() => undefined);
      if (!got)
        throw new CheckFailedError(
          `read-back: ${f.path} is missing on ${v.path}; the card or reader may be failing`,
        );
      if (!got.equals(bytesOf(f.content)))
        throw new CheckFailedError(
          `read-back: ${f.path} on ${v.path} differs from what was written; the card or reader may be failing`,
        );
    }
    const listed = (await listFat(v, `/${seedDir}`)).map((p) =>
      p.replace(/^\//, '').replace(/\/$/, ''),
    );
    const expected = new Set(files.map((f) => f.path));
    const extra = listed.filter(
      (p) => !expected.has(p) && !files.some((f) => f.path.startsWith(`${p}/`)),
    );
    if (extra.length)
      throw new CheckFailedError(`read-back: unexpected ${extra.join(', ')} on ${v.path}`);
  } finally {
    await remove();
  }
}
