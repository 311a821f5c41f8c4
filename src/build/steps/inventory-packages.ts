/**
 * The exact package versions that went into the image, for the manifest.
 */
import { join } from 'node:path';
import type { Step } from '../../progress.js';
import { run, type Command } from '../../exec.js';
import type { BuildContext } from '../context.js';

export function dpkgQueryCommand(rootfs: string): Command {
  return [
    'dpkg-query',
    [
      `--admindir=${join(rootfs, 'var/lib/dpkg')}`,
      '-W',
      '-f',
      '${db:Status-Status}\t${Package}\t${Version}\t${Architecture}\n',
    ],
  ];
}

export function parseDpkgQuery(text: string): { name: string; version: string; arch: string }[] {
  return text
    .split('\n')
    .map((l) => l.split('\t'))
    .filter((f) => f.length === 4 && f[0] === 'installed')
    .map(([, name, version, arch]) => ({ name: name, version: version, arch: arch }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function inventoryPackages(): Step<BuildContext> {
  return {
    name: 'inventory-packages',
    title: 'Inventory installed packages',
    run: async (ctx, report) => {
      ctx.packages = parseDpkgQuery((await run(dpkgQueryCommand(ctx.rootfsDir!))).stdout);
      report.title(`Inventory installed packages (${ctx.packages.length})`);
    },
  };
}
