/**
 * An installed-base cache entry's root as an ext4 image (`root.img`: the filesystem at the base's
 * root partition offset, a hole before it), made once from the entry's tree with the same mke2fs -d
 * command assemble-base-image uses. A later reuse copies it (a copy of its extents, like `cp`) and
 * applies that build's few changes to it (apply-upper.ts) instead of writing a gigabyte root anew.
 */
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../exec.js';
import { onCleanup } from '../cleanup.js';
import { unlessMissing } from '../fs-errors.js';
import { measureBytes } from '../cache/read.js';
import { mke2fsRootCommand } from '../image/plan-image.js';
import { updateStageRecord } from '../cache/root-trees.js';
import { installPaths } from '../cache/layout.js';
import type { BaseLayout } from './plan-assemble.js';
import type { ContentSize } from './plan-upper.js';

/** root-image.json: what root.img was made with; a build whose layout differs does not use it. */
export interface RootImageRecord {
  offsetBytes: number;
  sizeBytes: number;
  uuid: string;
  headroomMiB: number;
  /** The entry's tree as du counted it: with the changes, what a reusing build's root is planned by. */
  content: ContentSize;
}

export function rootImagePaths(cacheDir: string, key: string) {
  const { dir } = installPaths(cacheDir, key);
  return { image: join(dir, 'root.img'), record: join(dir, 'root-image.json') };
}

/** The entry's root image for `headroomMiB` and the base's root offset and UUID, if made. */
export async function findRootImage(
  cacheDir: string,
  key: string,
  want: Omit<RootImageRecord, 'sizeBytes' | 'content'>,
): Promise<RootImageRecord | undefined> {
  const p = rootImagePaths(cacheDir, key);
  const text = await unlessMissing(readFile(p.record, 'utf8'), undefined);
  const r = text === undefined ? undefined : (JSON.parse(text) as RootImageRecord);
  const fits =
    r?.offsetBytes === want.offsetBytes &&
    r.uuid === want.uuid &&
    r.headroomMiB === want.headroomMiB;
  return fits ? r : undefined;
}

/**
 * Makes the entry's root image from its tree, laid out by `layout` (planned from the tree's own
 * size as assemble-base-image plans a root): into a partial file, renamed when complete, its
 * record written last, the entry's recorded size brought up to date.
 */
export async function makeRootImage(
  cacheDir: string,
  key: string,
  layout: BaseLayout,
  content: ContentSize,
  headroomMiB: number,
  sourceDateEpoch?: number,
): Promise<RootImageRecord> {
  const entry = installPaths(cacheDir, key);
  const p = rootImagePaths(cacheDir, key);
  const partial = `${p.image}.partial-${process.pid}`;
  const removePartial = onCleanup(`remove ${partial}`, () => rm(partial, { force: true }));
  try {
    const fh = await open(partial, 'w');
    await fh.truncate(layout.root.offsetBytes + layout.root.sizeBytes);
    await fh.close();
    const env = sourceDateEpoch ? { E2FSPROGS_FAKE_TIME: String(sourceDateEpoch) } : {};
    await run(mke2fsRootCommand(partial, layout, entry.rootfs), { env });
    await rename(partial, p.image);
  } finally {
    await removePartial();
  }
  const record: RootImageRecord = {
    offsetBytes: layout.root.offsetBytes,
    sizeBytes: layout.root.sizeBytes,
    uuid: layout.rootUuid,
    headroomMiB,
    content,
  };
  await writeFile(`${p.record}.partial-${process.pid}`, JSON.stringify(record, null, 2));
  await rename(`${p.record}.partial-${process.pid}`, p.record);
  // `armada cache` and its eviction read an entry's size from its record.
  await updateStageRecord(entry.dir, { bytes: await measureBytes(entry.dir) });
  return record;
}
