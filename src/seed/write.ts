/**
 * writeSeed: one card's `armada/` into partition 1 (FAT) of an image file or block device,
 * through mtools' `file@@offset` (no mount, no root for image files), then read back and compared.
 * The files are staged in a private temp dir and copied in one recursive mcopy to `armada.new/`
 * beside the old seed, read back, and only then swapped in by two renames: a full FAT, a pulled
 * card or a failing write leaves the old seed as it was.
 */
import { chmod, mkdir, open, readFile, stat, writeFile, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CheckFailedError, MissingToolError, NotRootError, UserError } from '../errors.js';
import { log } from '../log.js';
import { run, type Command } from '../exec.js';
import { tempDir } from '../temp-dir.js';
import { drive, fatSpace, listFat, mtoolsEnv, type FatVolume } from '../image/fat.js';
import { wipeFatFiles } from '../image/fat-wipe.js';
import { isFatPartition } from '../image/partition-table.js';
import { readPartitionTable } from '../image/read-partition-table.js';
import type { PreparedSeed, SeedFile } from './types.js';
import { seedDir } from './plan.js';
import { seedBytesOnFat } from './space.js';
import { writeConfigTxtBlock } from './write-config-txt.js';

/** Where the new seed is written and checked before it replaces `armada/`. */
const newSeedDir = `${seedDir}.new`;
/** Where the old seed waits between the two renames. */
const oldSeedDir = `${seedDir}.old`;

function deltreeCommand(v: FatVolume, dir: string): Command {
  return ['mdeltree', ['-i', drive(v), `::/${dir}`]];
}

function copyTreeInCommand(v: FatVolume, localDir: string): Command {
  // -s recursive, -o overwrite, -m keep our mtimes, -Q stop at the first error.
  return ['mcopy', ['-s', '-o', '-m', '-Q', '-i', drive(v), localDir, '::/']];
}

function renameCommand(v: FatVolume, from: string, to: string): Command {
  return ['mren', ['-i', drive(v), `::/${from}`, `::/${to}`]];
}

function copyTreeOutCommand(v: FatVolume, dir: string, localDir: string): Command {
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

/**
 * The target exists and this process can write it, checked by opening it for writing (the real
 * test: modes, root, read-only mounts, immutable files, a card's lock switch). Called before
 * anything is created (a CA, a temp dir), so a refusal leaves everything as it was.
 */
export async function assertWritable(target: string): Promise<void> {
  const s = await stat(target).catch(() => undefined);
  if (!s)
    throw new UserError(
      `${target} does not exist; give an image file or a card's device (see 'lsblk')`,
    );
  if (s.isDirectory())
    throw new UserError(
      `${target} is a directory; give an image file (.img) or a card's device (/dev/sdX)`,
    );
  if (!s.isBlockDevice() && !s.isFile())
    throw new UserError(`${target} is neither an image file nor a block device`);
  try {
    await (await open(target, 'r+')).close();
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EACCES' || code === 'EPERM') {
      if (s.isBlockDevice() && process.getuid?.() !== 0)
        throw new NotRootError(`writing the seed to ${target}`);
      throw new UserError(
        `cannot write ${target}: permission denied (owner uid ${s.uid}, mode ${(s.mode & 0o777).toString(8)}${code === 'EPERM' ? ', or immutable' : ''}); ` +
          `make it writable ('chmod u+w ${target}') or run as its owner; nothing was changed`,
      );
    }
    if (code === 'EROFS')
      throw new UserError(
        `cannot write ${target}: it is on a read-only file system${s.isBlockDevice() ? " (is the card's lock switch on?)" : ''}; nothing was changed`,
      );
    throw error;
  }
}

/** Stages files under `<root>/<dir>/…` (their `armada/` prefix replaced by `dir`). */
async function stage(
  files: readonly SeedFile[],
  mtime: Date,
  dir: string,
): Promise<{ root: string; remove: () => Promise<void> }> {
  const { dir: root, remove } = await tempDir('armada-seed-');
  await chmod(root, 0o700);
  try {
    for (const f of files) {
      if (!f.path.startsWith(`${seedDir}/`) || f.path.split('/').includes('..'))
        throw new UserError(`refusing to write ${f.path} outside ${seedDir}/`);
      const local = join(root, dir, f.path.slice(seedDir.length + 1));
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
export async function dropCache(target: string): Promise<void> {
  if (!(await stat(target)).isBlockDevice()) return;
  const weaker = (why: string) =>
    log.warn(
      `${why}: the seed's read-back on ${target} may check the kernel's cache instead of the card`,
    );
  try {
    const r = await run(['blockdev', ['--flushbufs', target]], {
      allowFailure: true,
      timeoutMs: 60_000,
    });
    if (r.exitCode !== 0) weaker(`blockdev --flushbufs failed (${r.stderr.trim() || r.exitCode})`);
  } catch (error) {
    if (!(error instanceof MissingToolError)) throw error;
    weaker(`blockdev is missing (install ${error.aptPackage ?? 'util-linux'})`);
  }
}

/** Refuse before writing when the FAT cannot hold the new seed beside the old one. */
async function checkSpace(target: string, v: FatVolume, files: readonly SeedFile[]): Promise<void> {
  const space = await fatSpace(v);
  if (!space) return; // mtools could not say: the copy itself still stops at the first error
  const needed = seedBytesOnFat(files, space.clusterBytes);
  if (needed > space.freeBytes)
    throw new UserError(
      `the boot partition of ${target} has ${Math.floor(space.freeBytes / 1024)} KiB free but the seed needs ${Math.ceil(needed / 1024)} KiB; ` +
        'delete files you do not need from it (e.g. unused *.dtb or overlays) and run it again; nothing was changed',
    );
}

/**
 * Removes dir/ and its bytes: a seed's files (old keys, a PSK, another user's runcmd) are
 * overwritten where they lie before they are deleted (a deleted FAT file keeps its clusters).
 */
async function deltree(v: FatVolume, dir: string): Promise<void> {
  await wipeFatFiles(
    v,
    (await listFat(v, `/${dir}`)).filter((p) => !p.endsWith('/')),
  );
  await run(deltreeCommand(v, dir), { env: mtoolsEnv, allowFailure: true });
  const leftover = await listFat(v, `/${dir}`);
  if (leftover.length)
    throw new CheckFailedError(
      `could not remove ${dir}/ from ${v.path} (${leftover[0]} is still there)`,
    );
}

export async function writeSeed(target: string, seed: PreparedSeed): Promise<void> {
  await assertWritable(target);
  const v = await seedVolume(target);
  // Leftovers of a run that stopped half-way: a complete armada.new/ without armada/ was
  // stopped between the renames and is the newest seed; otherwise armada/ is the live one.
  const live = (await listFat(v, `/${seedDir}`)).length > 0;
  if (!live && (await listFat(v, `/${oldSeedDir}`)).length)
    await run(renameCommand(v, oldSeedDir, seedDir), { env: mtoolsEnv });
  await deltree(v, newSeedDir);
  await deltree(v, oldSeedDir);
  await checkSpace(target, v, seed.files);
  const staged = await stage(seed.files, new Date(), newSeedDir);
  try {
    const copy = await run(copyTreeInCommand(v, join(staged.root, newSeedDir)), {
      env: mtoolsEnv,
      timeoutMs: 120_000,
      allowFailure: true,
    });
    if (copy.exitCode !== 0) {
      await deltree(v, newSeedDir);
      throw new UserError(
        `could not write the seed to ${target}: ${copy.stderr.trim().split('\n').pop() ?? `mcopy exit ${copy.exitCode}`}; the old seed is unchanged`,
      );
    }
    await dropCache(target);
    await verifySeed(v, seed.files, newSeedDir);
    // Replace, never merge: files of an earlier seed (old keys, another user's runcmd) must go.
    if ((await listFat(v, `/${seedDir}`)).length)
      await run(renameCommand(v, seedDir, oldSeedDir), { env: mtoolsEnv });
    await run(renameCommand(v, newSeedDir, seedDir), { env: mtoolsEnv });
    await deltree(v, oldSeedDir);
    // config.txt last: a card whose seed could not be written keeps the config.txt it had.
    if (seed.configTxt) await writeConfigTxtBlock(v, seed.configTxt, () => dropCache(target));
    await dropCache(target);
    await verifySeed(v, seed.files);
  } finally {
    await staged.remove();
  }
}

/** Read every file back and compare; the listing must hold exactly the planned files. */
export async function verifySeed(
  v: FatVolume,
  files: readonly SeedFile[],
  dir: string = seedDir,
): Promise<void> {
  const { dir: back, remove } = await tempDir('armada-seed-check-');
  // Files are planned as armada/…; read back from dir/… on the FAT.
  const onFat = (path: string) => `${dir}${path.slice(seedDir.length)}`;
  try {
    await run(copyTreeOutCommand(v, dir, back), { env: mtoolsEnv, timeoutMs: 120_000 });
    for (const f of files) {
      const got = await readFile(join(back, onFat(f.path))).catch(() => undefined);
      if (!got)
        throw new CheckFailedError(
          `read-back: ${f.path} is missing on ${v.path}; the card or reader may be failing`,
        );
      if (!got.equals(bytesOf(f.content)))
        throw new CheckFailedError(
          `read-back: ${f.path} on ${v.path} differs from what was written; the card or reader may be failing`,
        );
    }
    const listed = (await listFat(v, `/${dir}`)).map((p) =>
      p.replace(/^\//, '').replace(/\/$/, ''),
    );
    const expected = new Set(files.map((f) => onFat(f.path)));
    const extra = listed.filter(
      (p) => !expected.has(p) && !files.some((f) => onFat(f.path).startsWith(`${p}/`)),
    );
    if (extra.length)
      throw new CheckFailedError(`read-back: unexpected ${extra.join(', ')} on ${v.path}`);
  } finally {
    await remove();
  }
}
