/**
 * build --base: the customised image. Same disk identifier and root UUID as the base (so its
 * cmdline.txt and fstab stay right), its FAT partition copied as it is and then edited with
 * mtools (the fixed cmdline.txt, the base's first-boot input removed), the root filesystem made
 * by mke2fs -d from the customised directory, grown only when the content needs it. A reused
 * install's root is instead the cache entry's ext4 image with this build's changes applied
 * (root-image.ts, apply-upper.ts): the same tree without writing a gigabyte filesystem anew.
 */
import { chmod, mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Step, StepReport } from '../../progress.js';
import { log } from '../../log.js';
import { applyUpper, readUpperChanges, type OverlayTrees } from '../../base/apply-upper.js';
import { contentAfter } from '../../base/plan-upper.js';
import { findRootImage, makeRootImage, rootImagePaths } from '../../base/root-image.js';
import { run } from '../../exec.js';
import { deleteFat, writeFat, type FatVolume } from '../../image/fat.js';
import { copyBootCommand, planBaseLayout, type BaseLayout } from '../../base/plan-assemble.js';
import { produced, type BuildContext } from '../context.js';
import type { BuildOptions } from '../options.js';
import {
  alignment,
  mke2fsRootCommand,
  sectorSize,
  sfdiskCommand,
  sfdiskScript,
} from '../../image/plan-image.js';
import { hostsFile } from '../plan-identity.js';
import { writeInRoot } from '../../tree/root-fs.js';
import { contentSize } from '../content-size.js';
import { formatBinary } from '../../format-bytes.js';

/** The partition table and the base's FAT partition, edited: the same for both ways of the root. */
async function writeTableAndBoot(
  ctx: BuildContext,
  image: string,
  layout: BaseLayout,
  buildTime: Date,
) {
  const { read, unpacked } = produced(ctx, 'base');
  // sfdisk fsyncs the file it writes: on the image a copied root has just been written into, that
  // flushes a gigabyte (a second here). It writes into an empty file of the same size instead,
  // and that file's first sector (a DOS label is that one sector) is copied in.
  const table = `${image}.table`;
  const scratch = await open(table, 'w+');
  try {
    await scratch.truncate(layout.totalBytes);
    await run(sfdiskCommand(table), { input: sfdiskScript(layout) });
    const mbr = Buffer.alloc(sectorSize);
    await scratch.read(mbr, 0, sectorSize, 0);
    const fh = await open(image, 'r+');
    await fh.write(mbr, 0, sectorSize, 0).finally(() => fh.close());
  } finally {
    await scratch.close();
    await rm(table, { force: true });
  }
  await run(copyBootCommand(unpacked.image, image, layout));
  const fat: FatVolume = { path: image, offsetBytes: layout.boot.offsetBytes };
  for (const f of read.plan.takeover.deleteBootFiles) await deleteFat(fat, `/${f}`);
  await writeFat(fat, '/cmdline.txt', read.plan.cmdline.text, buildTime);
}

/**
 * A reused install (an overlay over the cache entry): the entry's root image copied, made once
 * when the entry has none, and this build's changes applied to it. The layout used, or why the
 * root must be made with mke2fs -d instead.
 */
async function fromCachedRoot(
  ctx: BuildContext,
  install: { key: string; overlay: OverlayTrees },
  o: BuildOptions,
  image: string,
  buildTime: Date,
  report: StepReport,
): Promise<{ layout: BaseLayout; changes: number } | { why: string }> {
  const { key, overlay: trees } = install;
  const { read } = produced(ctx, 'base');
  const want = {
    offsetBytes: read.root.offsetBytes,
    uuid: read.root.fs.uuid,
    headroomMiB: o.headroomMiB,
  };
  let cached = await findRootImage(o.cacheDir, key, want);
  if (!cached) {
    report.status('ext4 image of the cached installed root (made once per cache entry)');
    const content = await contentSize(trees.lower);
    const own = planBaseLayout(geometry(ctx), content, o.headroomMiB);
    cached = await makeRootImage(o.cacheDir, key, own, content, o.headroomMiB, o.sourceDateEpoch);
  }
  report.status('root filesystem (the cached image, copied; this build’s changes read)');
  const scratch = join(produced(ctx, 'workDir'), 'upper-apply');
  await mkdir(scratch, { recursive: true });
  // The copy runs while the changes are read; a root made with mke2fs -d instead overwrites it.
  const [upper] = await Promise.all([
    readUpperChanges(trees, scratch),
    run(['cp', ['--reflink=auto', '--sparse=auto', rootImagePaths(o.cacheDir, key).image, image]]),
  ]);
  if ('fallback' in upper) return { why: upper.fallback };
  const { changes } = upper;
  const planned = planBaseLayout(
    geometry(ctx),
    contentAfter(cached.content, changes),
    o.headroomMiB,
  );
  // The entry's tree and this build's differ by a few files, so their planned sizes are equal or
  // one alignment step apart. A larger cached root costs a few MiB (first boot grows the root to
  // the card anyway); more than that, or too small, and the root is made to measure.
  const slack = cached.sizeBytes - planned.root.sizeBytes;
  if (slack < 0 || slack > 2 * alignment)
    return {
      why: `this build's root is planned at ${planned.root.sizeBytes / MiB} MiB, the cached image has ${cached.sizeBytes / MiB} MiB`,
    };
  const layout: BaseLayout = {
    ...planned,
    root: { offsetBytes: planned.root.offsetBytes, sizeBytes: cached.sizeBytes },
    totalBytes: planned.root.offsetBytes + cached.sizeBytes,
    grownBytes: cached.sizeBytes - read.root.sizeBytes,
  };
  report.status('partition table, boot partition (the base’s, edited)');
  await writeTableAndBoot(ctx, image, layout, buildTime);
  report.status(`root filesystem (this build’s ${changes.length} changes)`);
  const failed = await applyUpper(
    image,
    layout.root.offsetBytes,
    changes,
    scratch,
    o.sourceDateEpoch,
  );
  return failed ? { why: failed.fallback } : { layout, changes: changes.length };
}

const MiB = 1024 ** 2;

const geometry = (ctx: BuildContext) => {
  const { read } = produced(ctx, 'base');
  return { diskId: read.table.id, rootUuid: read.root.fs.uuid, boot: read.boot, root: read.root };
};

export function assembleBaseImage(o: BuildOptions, buildTime: Date): Step<BuildContext> {
  return {
    name: 'assemble-base-image',
    title: 'Assemble the image (the base’s partitions, its boot files, the customised root)',
    run: async (ctx, report) => {
      const rootfs = produced(ctx, 'rootfsDir');
      // The same host name as a from-scratch image until first boot applies a seed.
      for (const [path, text] of [
        ['/etc/hostname', 'armada\n'],
        ['/etc/hosts', hostsFile('armada')],
      ])
        await chmod(await writeInRoot(rootfs, path, text), 0o644);
      const image = join(produced(ctx, 'workDir'), `${o.name}.img`);
      const install = ctx.baseInstall;
      const reused =
        install?.reused && install.overlay
          ? await fromCachedRoot(
              ctx,
              { ...install, overlay: install.overlay },
              o,
              image,
              buildTime,
              report,
            )
          : { why: 'no reused install mounted as an overlay' };
      let layout: BaseLayout;
      if ('layout' in reused) {
        layout = reused.layout;
        ctx.baseRootImage = { reused: true, changes: reused.changes };
      } else {
        if (install?.reused) log.debug(`root made with mke2fs -d: ${reused.why}`);
        ctx.baseRootImage = { reused: false, why: reused.why };
        layout = planBaseLayout(geometry(ctx), await contentSize(rootfs), o.headroomMiB);
        const fh = await open(image, 'w');
        await fh.truncate(layout.totalBytes);
        await fh.close();
        report.status('partition table, boot partition (the base’s, edited)');
        await writeTableAndBoot(ctx, image, layout, buildTime);
        report.status('ext4 rootfs');
        const env = o.sourceDateEpoch ? { E2FSPROGS_FAKE_TIME: String(o.sourceDateEpoch) } : {};
        await run(mke2fsRootCommand(image, layout, rootfs), { env });
      }
      ctx.layout = layout;
      ctx.imagePath = image;
      ctx.baseRootGrownBytes = layout.grownBytes;
      const how = ctx.baseRootImage.reused
        ? `; root: the cached image + ${ctx.baseRootImage.changes} changes`
        : '';
      report.title(
        `Assemble the image (${formatBinary(layout.totalBytes, 'size')}; root ${layout.grownBytes ? `grown by ${(layout.grownBytes / MiB).toFixed(0)} MiB` : 'as large as the base’s'}${how})`,
      );
    },
  };
}
