/**
 * The boot-chain proof from the files the firmware and kernel read: each model's device tree,
 * kernel and initramfs (named as config.txt names them for that model) from the boot partition,
 * and the module tables of the root filesystem's /lib/modules/<version>. Where the files come
 * from (a build's directories, an image's partitions) is the caller's `ChainSource`.
 */
import { parseConfigTxt, settingsFor } from '../image/config-txt.js';
import { FdtError, parseFdt } from '../image/fdt.js';
import { piModels, type PiModel } from '../image/pi-models.js';
import {
  compatiblesInKernelImage,
  parseBuiltinModinfo,
  parseModulesAlias,
  parseModulesDep,
  type DriverTables,
} from './drivers.js';
import { initramfsModules, initramfsNames } from './initramfs-files.js';
import {
  neededCompatibles,
  proveModels,
  walkTree,
  type BootChainVerdict,
  type ModelTree,
} from './models.js';

export interface ChainSource {
  configTxt: string | undefined;
  /** A file of the boot partition by its name there; undefined when it is not there. */
  readBoot(name: string): Promise<Buffer | undefined>;
  /** modules.alias, modules.builtin.modinfo and modules.dep of the kernel's version. */
  modules: { alias: string; builtinModinfo: string; dep: string };
}

export function driverTables(m: ChainSource['modules']): DriverTables {
  const { deps, available } = parseModulesDep(m.dep);
  return {
    modules: parseModulesAlias(m.alias),
    builtin: parseBuiltinModinfo(m.builtinModinfo),
    deps,
    available,
  };
}

const strip = (p: string) => p.replace(/^\/+/, '');

export async function proveFromSource(
  src: ChainSource,
  models: readonly PiModel[] = piModels,
): Promise<BootChainVerdict[]> {
  const tables = driverTables(src.modules);
  const lines = parseConfigTxt(src.configTxt ?? '');
  const cache = new Map<string, Promise<Buffer | undefined>>();
  const read = (name: string) => {
    const key = strip(name).toLowerCase();
    if (!cache.has(key)) cache.set(key, src.readBoot(strip(name)));
    return cache.get(key)!;
  };
  // Models that share a kernel and initramfs (all of them, in armada's images) share one proof
  // input; each distinct pair is read and searched once.
  const groups = new Map<string, { kernel: string; initrd?: string; trees: ModelTree[] }>();
  for (const model of models) {
    const s = settingsFor(lines, model.filters);
    const dtb = s.get('device_tree') || model.dtb;
    const kernel = s.get('kernel') ?? model.defaultKernel[0];
    const initrd = s.get('initramfs');
    const bytes = await read(dtb);
    let tree: ModelTree['tree'];
    if (!bytes) tree = { error: `${dtb} is not on the boot partition` };
    else {
      try {
        tree = parseFdt(bytes);
      } catch (error) {
        if (!(error instanceof FdtError)) throw error;
        tree = { error: `${dtb} is not a readable device tree: ${error.message}` };
      }
    }
    const key = `${kernel}\0${initrd ?? ''}`;
    const g = groups.get(key) ?? { kernel, ...(initrd ? { initrd } : {}), trees: [] };
    g.trees.push({ model, dtb, tree });
    groups.set(key, g);
  }
  const byModel = new Map<string, BootChainVerdict>();
  for (const g of groups.values()) {
    const kernel = await read(g.kernel);
    const initrd = g.initrd ? await read(g.initrd) : undefined;
    const wanted = g.trees.flatMap((t) =>
      'error' in t.tree ? [] : neededCompatibles(walkTree(t.tree).walk),
    );
    const verdicts = proveModels({
      trees: g.trees,
      tables,
      kernelCompatibles: kernel ? compatiblesInKernelImage(kernel, wanted) : new Set(),
      initramfs: initrd ? initramfsModules(await initramfsNames(initrd)) : new Set(),
    });
    for (const v of verdicts) byModel.set(v.model, v);
  }
  return models.map((m) => byModel.get(m.id)!);
}

/** The newest version directory under lib/modules that depmod indexed. */
export function newestModulesVersion(names: readonly string[]): string | undefined {
  return [...names].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).at(-1);
}
