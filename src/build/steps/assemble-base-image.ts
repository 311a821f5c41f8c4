/**
 * build --base: the customised image. Same disk identifier and root UUID as the base (so its
 * cmdline.txt and fstab stay right), its FAT partition copied as it is and then edited with
 * mtools (the fixed cmdline.txt, the base's first-boot input removed), the root filesystem made
 * by mke2fs -d from the customised directory, grown only when the content needs it.
 */
import { chmod, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Step } from '../../progress.js';
import { run } from '../../exec.js';
import { deleteFat, writeFat, type FatVolume } from '../../image/fat.js';
import { copyBootCommand, planBaseLayout } from '../../base/plan-assemble.js';
import type { BuildContext } from '../context.js';
import type { BuildOptions } from '../options.js';
import { mke2fsRootCommand, sfdiskCommand, sfdiskScript } from '../plan-image.js';
import { hostsFile } from '../plan-identity.js';
import { contentSize } from './assemble-image.js';

export function assembleBaseImage(o: BuildOptions, buildTime: Date): Step<BuildContext> {
  return {
    name: 'assemble-base-image',
    title: 'Assemble the image (the base’s partitions, its boot files, the customised root)',
    run: async (ctx, report) => {
      const rootfs = ctx.rootfsDir!;
      const { read, unpacked } = ctx.base!;
      // The same host name as a from-scratch image until first boot applies a seed.
      await writeFile(join(rootfs, 'etc/hostname'), 'armada\n');
      await writeFile(join(rootfs, 'etc/hosts'), hostsFile('armada'));
      await chmod(join(rootfs, 'etc/hostname'), 0o644);
      await chmod(join(rootfs, 'etc/hosts'), 0o644);
      const layout = planBaseLayout(
        {
          diskId: read.table.id,
          rootUuid: read.root.fs.uuid,
          boot: read.boot,
          root: read.root,
        },
        await contentSize(rootfs),
        o.headroomMiB,
      );
      const image = join(ctx.workDir!, `${o.name}.img`);
      const fh = await open(image, 'w');
      await fh.truncate(layout.totalBytes);
      await fh.close();
      report.status('partition table');
      await run(sfdiskCommand(image), { input: sfdiskScript(layout) });
      report.status('boot partition (the base’s, edited)');
      await run(copyBootCommand(unpacked.image, image, layout));
      const fat: FatVolume = { path: image, offsetBytes: layout.boot.offsetBytes };
      for (const f of read.plan.takeover.deleteBootFiles) await deleteFat(fat, `/${f}`);
      await writeFat(fat, '/cmdline.txt', read.plan.cmdline.text, buildTime);
      report.status('ext4 rootfs');
      const env = o.sourceDateEpoch ? { E2FSPROGS_FAKE_TIME: String(o.sourceDateEpoch) } : {};
      await run(mke2fsRootCommand(image, layout, rootfs), { env });
      ctx.layout = layout;
      ctx.imagePath = image;
      ctx.baseRootGrownBytes = layout.grownBytes;
      report.title(
        `Assemble the image (${(layout.totalBytes / 1024 ** 3).toFixed(2)} GiB; root ${layout.grownBytes ? `grown by ${(layout.grownBytes / 1024 ** 2).toFixed(0)} MiB` : 'as large as the base’s'})`,
      );
    },
  };
}
