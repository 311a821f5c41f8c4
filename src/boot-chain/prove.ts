/**
 * The boot-chain proof of one device tree: every node the kernel must bind to reach the root
 * filesystem (walk.ts) has a driver built into the kernel or a module in the initramfs (with
 * the modules it depends on); every node the network needs has one built in or in the root
 * filesystem. Pure: the tree, the kernel's tables and the initramfs's module names in, a verdict
 * out.
 */
import { propStrings, type FdtNode } from '../image/fdt.js';
import {
  aliasMatches,
  matchingModules,
  withDeps,
  type AliasPattern,
  type DriverTables,
} from './drivers.js';
import { findTargets, ofModalias, walkNeeds, type Purpose, type Walk } from './walk.js';

export type Binding =
  | { kind: 'builtin'; by: string }
  | { kind: 'module'; module: string; in: 'initramfs' | 'root filesystem' }
  /** Nothing binds this node by itself; `why` says who handles it. */
  | { kind: 'none'; why: string };

export interface ChainLink {
  path: string;
  purpose: Purpose;
  why: string;
  compatible: string[];
  binding: Binding;
}

export interface ChainGap {
  path: string;
  purpose: Purpose;
  why: string;
  /** The node's first compatible ('' when the gap is not about one node). */
  compatible: string;
  /** Modules that would bind it but are not where they must be (empty: no driver at all). */
  missing: string[];
  /** One line naming the model-independent fix. */
  message: string;
}

export interface ChainProof {
  proven: boolean;
  targets: { purpose: Purpose; path: string; what: string }[];
  links: ChainLink[];
  gaps: ChainGap[];
}

export interface ProofInputs {
  tables: DriverTables;
  /** Compatible strings found in the kernel image's match tables (compatiblesInKernelImage). */
  kernelCompatibles: ReadonlySet<string>;
  /** Module names in the initramfs (moduleName of each .ko file in it). */
  initramfs: ReadonlySet<string>;
}

const where = (p: Purpose) => (p === 'root' ? 'initramfs' : 'root filesystem');

const usbId = /^usb([0-9a-f]{1,4}),([0-9a-f]{1,4})$/i;
const pciId = /^pci([0-9a-f]{1,4}),([0-9a-f]{1,4})$/i;
const hex4 = (h: string) => h.toUpperCase().padStart(4, '0');

/**
 * Modules whose usb:/pci: alias names this vendor and product and nothing else (every other
 * field a wildcard): the drivers the ID alone selects. A device tree names USB and PCI devices
 * by ID only; the bus enumerates them and reads their class, which the tree does not give.
 */
function idDrivers(patterns: readonly AliasPattern[], compatible: string): string[] {
  const usb = usbId.exec(compatible);
  const pci = pciId.exec(compatible);
  if (!usb && !pci) return [];
  const out = new Set<string>();
  for (const a of patterns) {
    if (usb) {
      const m = /^usb:v(.{4}|\*)p(.{4}|\*)(.*)$/.exec(a.pattern);
      if (!m || m[1] === '*' || !/^(d\*dc\*dsc\*dp\*ic\*isc\*ip\*in\*)$/.test(m[3])) continue;
      if (aliasMatches({ ...a, literal: '' }, `usb:v${hex4(usb[1])}p${hex4(usb[2])}${m[3]}`))
        out.add(a.module);
    } else if (pci) {
      const m = /^pci:v(0000.{4}|\*)d(0000.{4}|\*)(.*)$/.exec(a.pattern);
      if (!m || m[1] === '*' || !/^sv\*sd\*bc\*sc\*i\*$/.test(m[3])) continue;
      if (
        aliasMatches({ ...a, literal: '' }, `pci:v0000${hex4(pci[1])}d0000${hex4(pci[2])}${m[3]}`)
      )
        out.add(a.module);
    }
  }
  return [...out];
}

/** The module that drives USB hubs by their class (usbcore's hub driver: class 09). */
function hubDriver(patterns: readonly AliasPattern[]): string | undefined {
  return patterns.find((a) => /^usb:v\*p\*d\*dc09dsc\*/.test(a.pattern))?.module;
}

function resolve(
  node: FdtNode,
  purpose: Purpose,
  inputs: ProofInputs,
): { binding: Binding } | { gap: Omit<ChainGap, 'path' | 'purpose' | 'why'> } {
  const compatible = propStrings(node, 'compatible') ?? [];
  if (compatible.length === 0)
    return {
      binding: {
        kind: 'none',
        why: 'no compatible: its bus or its parent’s driver handles it',
      },
    };
  const inKernel = compatible.find((c) => inputs.kernelCompatibles.has(c));
  if (inKernel) return { binding: { kind: 'builtin', by: `kernel image (${inKernel})` } };
  const modalias = ofModalias(node);
  const builtin = matchingModules(inputs.tables.builtin, [modalias]);
  if (builtin.length) return { binding: { kind: 'builtin', by: builtin[0] } };

  let candidates = matchingModules(inputs.tables.modules, [modalias]);
  if (!candidates.length)
    candidates = compatible.flatMap((c) => idDrivers(inputs.tables.modules, c));
  // A USB device the tree lists with USB children is a hub (the Pi 3B's LAN9514, the 3B+'s
  // LAN7515): usbcore's hub driver binds it by class, whatever its ID.
  if (
    !candidates.length &&
    usbId.test(compatible[0]) &&
    node.children.some((c) => c.props.has('compatible'))
  ) {
    const hub = hubDriver(inputs.tables.modules) ?? hubDriver(inputs.tables.builtin);
    if (hub) candidates = [hub];
  }
  if (!candidates.length)
    return {
      gap: {
        compatible: compatible[0],
        missing: [],
        message: `no driver in this kernel matches ${compatible.join(' or ')}`,
      },
    };

  const present = (m: string) =>
    purpose === 'root' ? inputs.initramfs.has(m) : inputs.tables.available.has(m);
  const tries = candidates.map((module) => ({
    module,
    missing: withDeps(module, inputs.tables.deps).filter((m) => !present(m)),
  }));
  const ok = tries.find((t) => t.missing.length === 0);
  if (ok) return { binding: { kind: 'module', module: ok.module, in: where(purpose) } };
  const best = tries.reduce((a, b) => (b.missing.length < a.missing.length ? b : a));
  return {
    gap: {
      compatible: compatible[0],
      missing: best.missing.sort(),
      message: `needs module ${best.module}${best.missing.length > 1 || best.missing[0] !== best.module ? ` (missing: ${best.missing.join(', ')})` : ''} in the ${where(purpose)}`,
    },
  };
}

export function walkTree(tree: FdtNode): { walk: Walk; targets: ReturnType<typeof findTargets> } {
  const targets = findTargets(tree);
  return { targets, walk: walkNeeds(tree, targets) };
}

/** Every compatible a walk needs: what the kernel image is searched for. */
export function neededCompatibles(walk: Walk): string[] {
  return [...new Set(walk.needed.flatMap((n) => propStrings(n.node, 'compatible') ?? []))];
}

export function proveBootChain(
  tree: FdtNode,
  inputs: ProofInputs,
  walked = walkTree(tree),
): ChainProof {
  const { walk, targets } = walked;
  const links: ChainLink[] = [];
  const gaps: ChainGap[] = [];
  for (const purpose of ['root', 'network'] as const)
    if (!targets.some((t) => t.purpose === purpose))
      gaps.push({
        path: '/',
        purpose,
        why: 'target',
        compatible: '',
        missing: [],
        message:
          purpose === 'root'
            ? 'the device tree has no enabled SD card slot (an mmc node without non-removable)'
            : 'the device tree has no enabled Ethernet (ethernet0 alias) or USB host controller',
      });
  for (const p of walk.problems)
    gaps.push({
      path: '/',
      purpose: 'root',
      why: 'phandle',
      compatible: '',
      missing: [],
      message: p,
    });
  for (const need of walk.needed) {
    const r = resolve(need.node, need.purpose, inputs);
    const base = { path: need.node.path, purpose: need.purpose, why: need.why };
    if ('binding' in r)
      links.push({
        ...base,
        compatible: propStrings(need.node, 'compatible') ?? [],
        binding: r.binding,
      });
    else gaps.push({ ...base, ...r.gap });
  }
  // The root path first: without it nothing else matters.
  gaps.sort((a, b) => (a.purpose === b.purpose ? 0 : a.purpose === 'root' ? -1 : 1));
  return {
    proven: gaps.length === 0,
    targets: targets.map((t) => ({ purpose: t.purpose, path: t.node.path, what: t.what })),
    links,
    gaps,
  };
}
