/**
 * What the kernel must bind to reach a device of a device tree: the device, the buses above it,
 * and every supplier it names by phandle (the properties the kernel's fw_devlink follows,
 * drivers/of/property.c: clocks, resets, power domains, PHYs, DMA, mailboxes, PWMs, GPIOs,
 * regulators, pin control, interrupts and their controllers, the Ethernet PHY, the MMC power
 * sequence), each supplier's own suppliers in turn. Pure.
 */
import {
  isEnabled,
  propCells,
  propString,
  propStrings,
  walkFdt,
  type FdtNode,
} from '../image/fdt.js';

export type Purpose = 'root' | 'network';

export interface Target {
  node: FdtNode;
  purpose: Purpose;
  /** Why this node is a target ('SD card slot', 'ethernet0', 'USB host controller'). */
  what: string;
}

export interface Needed {
  node: FdtNode;
  purpose: Purpose;
  /** How the walk got here: 'target: SD card slot', 'vmmc-supply of /emmc2bus/mmc@7e340000'. */
  why: string;
}

export interface Walk {
  needed: Needed[];
  /** Suppliers that are disabled: the consumer cannot use them, but nothing binds them either. */
  disabled: Needed[];
  /** Phandles that point nowhere, and properties the walk could not decode. */
  problems: string[];
}

const baseName = (n: FdtNode) => n.name.split('@')[0];

/** Everything the device tree declares as a phandle table, keyed by phandle. */
export function phandles(root: FdtNode): Map<number, FdtNode> {
  const out = new Map<number, FdtNode>();
  for (const n of walkFdt(root)) {
    const p = propCells(n, 'phandle')?.[0] ?? propCells(n, 'linux,phandle')?.[0];
    if (p !== undefined) out.set(p, n);
  }
  return out;
}

/** The node an alias names ('/aliases' ethernet0 = "/scb/ethernet@7d580000"). */
export function aliasNode(root: FdtNode, alias: string): FdtNode | undefined {
  const aliases = root.children.find((c) => c.name === 'aliases');
  const path = aliases && propString(aliases, alias);
  if (!path) return undefined;
  for (const n of walkFdt(root)) if (n.path === path) return n;
  return undefined;
}

/**
 * Where each model's root filesystem and network are. The card slot: an enabled MMC host (the
 * devicetree generic name `mmc`) that is not `non-removable` (those carry soldered parts: the
 * Wi-Fi on SDIO). The network: the `ethernet0` alias, and every enabled USB host controller that
 * is not itself below a USB device (USB Ethernet adapters and the Pi 3's on-board LAN hang off it).
 */
export function findTargets(root: FdtNode): Target[] {
  const out: Target[] = [];
  for (const n of walkFdt(root)) {
    if (!isEnabled(n) || !ancestorsEnabled(n)) continue;
    if (/^(mmc|sdhci|emmc\d*)$/.test(baseName(n)) && !n.props.has('non-removable'))
      out.push({ node: n, purpose: 'root', what: 'SD card slot' });
  }
  const eth = aliasNode(root, 'ethernet0');
  if (eth && isEnabled(eth) && ancestorsEnabled(eth))
    out.push({ node: eth, purpose: 'network', what: 'Ethernet (ethernet0)' });
  for (const n of walkFdt(root)) {
    if (baseName(n) !== 'usb' || !isEnabled(n) || !ancestorsEnabled(n)) continue;
    if (n.parent && baseName(n.parent).startsWith('usb')) continue;
    out.push({ node: n, purpose: 'network', what: 'USB host controller' });
  }
  return out;
}

function ancestorsEnabled(n: FdtNode): boolean {
  for (let p = n.parent; p; p = p.parent) if (!isEnabled(p)) return false;
  return true;
}

/** `#<what>-cells` of a provider; absent means none (e.g. a fixed regulator). */
function cellsOf(provider: FdtNode, what: string): number {
  return propCells(provider, `#${what}-cells`)?.[0] ?? 0;
}

/** Supplier properties that are a list of <phandle cells...>, with the cells' name. */
const listProps: Record<string, string> = {
  clocks: 'clock',
  resets: 'reset',
  'power-domains': 'power-domain',
  phys: 'phy',
  dmas: 'dma',
  mboxes: 'mbox',
  pwms: 'pwm',
  iommus: 'iommu',
  interconnects: 'interconnect',
  'interrupts-extended': 'interrupt',
  'msi-parent': 'msi',
  'io-channels': 'io-channel',
};

/** Supplier properties that are plain phandles (one or several, no cells). */
const isPhandleProp = (name: string) =>
  name.endsWith('-supply') ||
  /^pinctrl-\d+$/.test(name) ||
  name === 'phy-handle' ||
  name === 'mmc-pwrseq' ||
  name === 'nvmem-cells';

const isGpioProp = (name: string) =>
  name === 'gpio' || name === 'gpios' || name.endsWith('-gpio') || name.endsWith('-gpios');

interface Edge {
  node: FdtNode;
  via: string;
}

/** The interrupt parent: the node's own interrupt-parent, else its nearest ancestor's. */
function interruptParent(n: FdtNode, byPhandle: Map<number, FdtNode>): FdtNode | undefined {
  for (let p: FdtNode | undefined = n; p; p = p.parent) {
    const ph = propCells(p, 'interrupt-parent')?.[0];
    if (ph !== undefined) return byPhandle.get(ph);
    if (p !== n && p.props.has('interrupt-controller')) return p;
  }
  return undefined;
}

function suppliers(n: FdtNode, byPhandle: Map<number, FdtNode>, problems: string[]): Edge[] {
  const out: Edge[] = [];
  const ref = (ph: number, via: string) => {
    const s = byPhandle.get(ph);
    if (s) out.push({ node: s, via });
    else problems.push(`${via} names phandle ${ph}, which no node has`);
    return s;
  };
  if (n.parent && n.parent.parent) out.push({ node: n.parent, via: 'parent bus' });
  if (n.props.has('interrupts') && !n.props.has('interrupts-extended')) {
    const ip = interruptParent(n, byPhandle);
    if (ip && ip !== n) out.push({ node: ip, via: 'interrupt-parent' });
  }
  for (const [name, value] of n.props) {
    const cellName = listProps[name] ?? (isGpioProp(name) ? 'gpio' : undefined);
    if (cellName) {
      const cells = propCells(n, name) ?? [];
      for (let i = 0; i < cells.length;) {
        const s = ref(cells[i], name);
        if (!s) break;
        i += 1 + (name === 'msi-parent' && i + 1 >= cells.length ? 0 : cellsOf(s, cellName));
      }
    } else if (isPhandleProp(name) && value.length % 4 === 0) {
      for (const ph of propCells(n, name) ?? []) ref(ph, name);
    } else if (name === 'interrupt-map') {
      out.push(...interruptMap(n, byPhandle, problems));
    }
  }
  return out;
}

/** The interrupt controllers an interrupt-map routes to (PCIe legacy interrupts). */
function interruptMap(n: FdtNode, byPhandle: Map<number, FdtNode>, problems: string[]): Edge[] {
  const cells = propCells(n, 'interrupt-map') ?? [];
  const childCells = cellsOf(n, 'address') + cellsOf(n, 'interrupt');
  const out: Edge[] = [];
  for (let i = childCells; i < cells.length;) {
    const parent = byPhandle.get(cells[i]);
    if (!parent) {
      problems.push(`interrupt-map of ${n.path} names phandle ${cells[i]}, which no node has`);
      break;
    }
    out.push({ node: parent, via: 'interrupt-map' });
    i += 1 + cellsOf(parent, 'address') + cellsOf(parent, 'interrupt') + childCells;
  }
  return out;
}

/**
 * The node that binds a driver for `n`: `n` when it has a compatible, else its nearest ancestor
 * that has one (a pin group inside its pin controller, an Ethernet PHY on its MDIO bus), the way
 * fw_devlink finds a supplier device.
 */
export function deviceOf(n: FdtNode): FdtNode {
  for (let p: FdtNode | undefined = n; p?.parent; p = p.parent)
    if (p.props.has('compatible')) return p;
  return n;
}

export function walkNeeds(root: FdtNode, targets: readonly Target[]): Walk {
  const byPhandle = phandles(root);
  const needed: Needed[] = [];
  const disabled: Needed[] = [];
  const problems: string[] = [];
  // The root path is walked to the end first: a node both paths need counts for the root path
  // (the stricter place: the initramfs).
  const seen = new Set<string>();
  for (const purpose of ['root', 'network'] as const) {
    const todo: Needed[] = targets
      .filter((t) => t.purpose === purpose)
      .map((t) => ({ node: t.node, purpose, why: `target: ${t.what}` }));
    walkFrom(todo, { root, byPhandle, seen, needed, disabled, problems });
  }
  return { needed, disabled, problems };
}

interface WalkState {
  root: FdtNode;
  byPhandle: Map<number, FdtNode>;
  seen: Set<string>;
  needed: Needed[];
  disabled: Needed[];
  problems: string[];
}

function walkFrom(todo: Needed[], st: WalkState): void {
  const { root, byPhandle, seen, needed, disabled, problems } = st;
  while (todo.length) {
    const item = todo.shift()!;
    const node = item.node === root ? undefined : item.node;
    if (!node || seen.has(node.path)) continue;
    seen.add(node.path);
    if (!isEnabled(node)) {
      disabled.push(item);
      continue;
    }
    needed.push(item);
    for (const e of suppliers(node, byPhandle, problems)) {
      const dev = e.via === 'parent bus' ? e.node : deviceOf(e.node);
      if (!seen.has(dev.path))
        todo.push({ node: dev, purpose: item.purpose, why: `${e.via} of ${node.path}` });
      // A supplier's own node (a pin group, a PHY) can name further suppliers (its interrupt).
      if (dev !== e.node && !seen.has(e.node.path))
        todo.push({ node: e.node, purpose: item.purpose, why: `${e.via} of ${node.path}` });
    }
  }
}

/** The kernel's modalias for a node (drivers/of/module.c): of:N<name>T<type>C<compatible>... */
export function ofModalias(n: FdtNode): string {
  const type = propString(n, 'device_type') ?? '';
  const compat = (propStrings(n, 'compatible') ?? []).map((c) => `C${c.replace(/ /g, '_')}`);
  return `of:N${baseName(n)}T${type}${compat.join('')}`;
}
