/**
 * The boot-chain verdict of every Raspberry Pi model (src/image/pi-models.json) from its device
 * tree. Pure: parsed trees, the kernel's tables and the initramfs's modules in.
 */
import type { PiModel } from '../image/pi-models.js';
import type { FdtNode } from '../image/fdt.js';
import { proveBootChain, type ChainGap, type ChainLink } from './prove.js';
import type { DriverTables } from './drivers.js';

export interface BootChainVerdict {
  model: string;
  name: string;
  claimed: boolean;
  /** The device tree the firmware loads for the model (the FAT's file name). */
  dtb: string;
  proven: boolean;
  targets: { purpose: 'root' | 'network'; path: string; what: string }[];
  links: ChainLink[];
  gaps: ChainGap[];
  /** Why armada does not claim the model, when it does not. */
  unsupported?: string;
}

export interface ModelTree {
  model: PiModel;
  dtb: string;
  /** The parsed tree, or why there is none (no such file, not a device tree). */
  tree: FdtNode | { error: string };
}

export interface ModelsInput {
  trees: readonly ModelTree[];
  tables: DriverTables;
  kernelCompatibles: ReadonlySet<string>;
  initramfs: ReadonlySet<string>;
}

export function proveModels(input: ModelsInput): BootChainVerdict[] {
  return input.trees.map(({ model, dtb, tree }) => {
    const head = {
      model: model.id,
      name: model.name,
      claimed: model.claimed,
      dtb,
      ...(model.unsupported ? { unsupported: model.unsupported } : {}),
    };
    if ('error' in tree)
      return {
        ...head,
        proven: false,
        targets: [],
        links: [],
        gaps: [
          {
            path: '/',
            purpose: 'root',
            why: 'device tree',
            compatible: '',
            missing: [],
            message: tree.error,
          },
        ],
      };
    const proof = proveBootChain(tree, input);
    return { ...head, ...proof };
  });
}

/** Every compatible the trees' walks need, for one search of the kernel image. */
export { neededCompatibles, walkTree } from './prove.js';

/** One line per gap of a claimed model: what the build fails with. */
export function claimedChainGaps(verdicts: readonly BootChainVerdict[]): string[] {
  return verdicts.filter((v) => v.claimed).flatMap((v) => v.gaps.map((g) => gapLine(v, g)));
}

export function gapLine(v: Pick<BootChainVerdict, 'name'>, g: ChainGap): string {
  const what = g.compatible ? `${g.path} (${g.compatible}; ${g.why})` : '';
  return `${v.name}: ${what ? `${what} ` : ''}${g.message}`;
}

/** The verdict as manifest.json records it: each bound node as one line, each gap whole. */
export function manifestBootChain(verdicts: readonly BootChainVerdict[]): unknown[] {
  return verdicts.map((v) => ({
    model: v.model,
    claimed: v.claimed,
    dtb: v.dtb,
    proven: v.proven,
    targets: v.targets.map((t) => `${t.purpose}: ${t.path} (${t.what})`),
    bound: v.links
      .filter((l) => l.binding.kind !== 'none')
      .map((l) => `${l.path} ${l.compatible[0]} → ${bindingText(l)}`),
    gaps: v.gaps.map((g) => ({
      path: g.path,
      purpose: g.purpose,
      compatible: g.compatible,
      why: g.why,
      missing: g.missing,
      message: g.message,
    })),
  }));
}

export function bindingText(l: ChainLink): string {
  const b = l.binding;
  if (b.kind === 'builtin') return `built in (${b.by})`;
  if (b.kind === 'module') return `${b.module} (${b.in})`;
  return b.why;
}
