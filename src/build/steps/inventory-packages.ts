/**
 * The exact package versions that went into the image, for the manifest.
 */
import type { Step } from '../../progress.js';
import { run } from '../../exec.js';
import { dpkgQueryCommand, parseDpkgQuery } from '../dpkg-query.js';
import { produced, type BuildContext } from '../context.js';

export function inventoryPackages(): Step<BuildContext> {
  return {
    name: 'inventory-packages',
    title: 'Inventory installed packages',
    run: async (ctx, report) => {
      ctx.packages = parseDpkgQuery(
        (await run(dpkgQueryCommand(produced(ctx, 'rootfsDir')))).stdout,
      );
      report.title(`Inventory installed packages (${ctx.packages.length})`);
    },
  };
}
