/**
 * A ChainSource over an image file or card, read without mounting: the boot files through
 * mtools, /lib/modules/<version> through debugfs (or a directory, during a build, where the root
 * filesystem is still a tree).
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Ext4Volume } from '../image/debugfs.js';
import { listExt4, readExt4 } from '../image/ext4.js';
import { readFat, type FatVolume } from '../image/fat.js';
import { findBootPartition, isLinuxPartition } from '../image/partition-table.js';
import { readPartitionTable } from '../image/read-partition-table.js';
import { unlessMissing } from '../fs-errors.js';
import { newestModulesVersion, type ChainSource } from './read.js';

export class NoModuleTablesError extends Error {}

const tables = ['modules.alias', 'modules.builtin.modinfo', 'modules.dep'] as const;

function moduleTables(texts: (string | undefined)[], where: string): ChainSource['modules'] {
  const [alias, builtinModinfo, dep] = texts;
  if (alias === undefined || dep === undefined)
    throw new NoModuleTablesError(`${where} has no modules.alias or modules.dep (run depmod)`);
  return { alias, builtinModinfo: builtinModinfo ?? '', dep };
}

/** The module tables of a root filesystem directory's newest /lib/modules/<version>. */
export async function modulesFromDir(rootfs: string): Promise<ChainSource['modules']> {
  const base = join(rootfs, 'lib/modules');
  const version = newestModulesVersion(await unlessMissing(readdir(base), []));
  if (!version) throw new NoModuleTablesError(`${rootfs} has no /lib/modules/<version>`);
  const read = (n: string) => unlessMissing(readFile(join(base, version, n), 'latin1'), undefined);
  return moduleTables(await Promise.all(tables.map(read)), join(base, version));
}

async function modulesFromExt4(root: Ext4Volume): Promise<ChainSource['modules']> {
  // /lib is a symlink to usr/lib on Debian since 12, and debugfs does not follow it.
  const base = (await listExt4(root, '/usr/lib/modules')) ? '/usr/lib/modules' : '/lib/modules';
  const version = newestModulesVersion((await listExt4(root, base)) ?? []);
  if (!version) throw new NoModuleTablesError(`the root filesystem has no ${base}/<version>`);
  const read = async (n: string) =>
    (await readExt4(root, `${base}/${version}/${n}`))?.toString('latin1');
  return moduleTables(await Promise.all(tables.map(read)), `${base}/${version}`);
}

export async function imageChainSource(
  target: string,
  opts: { rootfsDir?: string } = {},
): Promise<ChainSource> {
  const table = await readPartitionTable(target);
  const fat: FatVolume = { path: target, offsetBytes: findBootPartition(table).offsetBytes };
  const readBoot = (name: string) => readFat(fat, `/${name}`);
  let modules: ChainSource['modules'];
  if (opts.rootfsDir) modules = await modulesFromDir(opts.rootfsDir);
  else {
    const root = table.partitions.find(isLinuxPartition);
    if (!root) throw new NoModuleTablesError('the image has no Linux root partition');
    modules = await modulesFromExt4({ path: target, offsetBytes: root.offsetBytes });
  }
  return { configTxt: (await readBoot('config.txt'))?.toString('utf8'), readBoot, modules };
}
