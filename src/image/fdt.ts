/**
 * A flattened device tree (.dtb) as a tree of nodes with raw properties. Pure: bytes in, tree
 * out. The format (devicetree.org specification, "Flattened Devicetree (DTB) Format"): a
 * big-endian header, a structure block of 32-bit tokens (BEGIN_NODE name, PROP len nameoff
 * value, END_NODE, NOP, END) and a strings block with the property names.
 */

export interface FdtNode {
  /** Node name with its unit address ('mmc@7e340000'); '' for the root. */
  name: string;
  /** Full path ('/emmc2bus/mmc@7e340000'; '/' for the root). */
  path: string;
  props: ReadonlyMap<string, Buffer>;
  children: FdtNode[];
  parent?: FdtNode;
}

export class FdtError extends Error {}

const FDT_MAGIC = 0xd00dfeed;
const BEGIN_NODE = 1;
const END_NODE = 2;
const PROP = 3;
const NOP = 4;
const END = 9;

const align4 = (n: number) => (n + 3) & ~3;

function cString(b: Buffer, at: number, end: number): { text: string; next: number } {
  const nul = b.indexOf(0, at);
  if (nul < 0 || nul >= end) throw new FdtError(`unterminated string at byte ${at}`);
  return { text: b.toString('latin1', at, nul), next: nul + 1 };
}

export function parseFdt(b: Buffer): FdtNode {
  if (b.length < 40 || b.readUInt32BE(0) !== FDT_MAGIC)
    throw new FdtError('not a flattened device tree (no d00dfeed magic)');
  const total = b.readUInt32BE(4);
  const structOff = b.readUInt32BE(8);
  const stringsOff = b.readUInt32BE(12);
  const stringsSize = b.readUInt32BE(32);
  const structSize = b.readUInt32BE(36);
  if (total > b.length || structOff + structSize > total || stringsOff + stringsSize > total)
    throw new FdtError(`truncated device tree (${b.length} of ${total} bytes)`);
  const structEnd = structOff + structSize;
  const stringsEnd = stringsOff + stringsSize;

  let root: FdtNode | undefined;
  let current: FdtNode | undefined;
  let at = structOff;
  for (;;) {
    if (at + 4 > structEnd) throw new FdtError('structure block ends without FDT_END');
    const token = b.readUInt32BE(at);
    at += 4;
    if (token === BEGIN_NODE) {
      const { text, next } = cString(b, at, structEnd);
      at = align4(next);
      const path = current ? `${current.path === '/' ? '' : current.path}/${text}` : '/';
      const node: FdtNode = {
        name: text,
        path,
        props: new Map(),
        children: [],
        ...(current ? { parent: current } : {}),
      };
      if (current) current.children.push(node);
      else if (root) throw new FdtError('a second root node');
      else root = node;
      current = node;
    } else if (token === END_NODE) {
      if (!current) throw new FdtError('FDT_END_NODE outside any node');
      current = current.parent;
    } else if (token === PROP) {
      if (!current) throw new FdtError('a property outside any node');
      const len = b.readUInt32BE(at);
      const nameOff = b.readUInt32BE(at + 4);
      at += 8;
      if (at + len > structEnd) throw new FdtError('a property runs past the structure block');
      const name = cString(b, stringsOff + nameOff, stringsEnd).text;
      (current.props as Map<string, Buffer>).set(name, b.subarray(at, at + len));
      at = align4(at + len);
    } else if (token === NOP) {
      continue;
    } else if (token === END) {
      if (current) throw new FdtError(`FDT_END inside node ${current.path}`);
      if (!root) throw new FdtError('no root node');
      return root;
    } else {
      throw new FdtError(`unknown structure token ${token} at byte ${at - 4}`);
    }
  }
}

/** A string-list property ('compatible', 'status'): NUL-separated strings. */
export function propStrings(node: FdtNode, name: string): string[] | undefined {
  const v = node.props.get(name);
  if (!v) return undefined;
  const text = v.toString('latin1');
  return (text.endsWith('\0') ? text.slice(0, -1) : text).split('\0');
}

export function propString(node: FdtNode, name: string): string | undefined {
  return propStrings(node, name)?.[0];
}

/** A property as big-endian 32-bit cells. */
export function propCells(node: FdtNode, name: string): number[] | undefined {
  const v = node.props.get(name);
  if (!v) return undefined;
  const out: number[] = [];
  for (let i = 0; i + 4 <= v.length; i += 4) out.push(v.readUInt32BE(i));
  return out;
}

export function* walkFdt(node: FdtNode): Generator<FdtNode> {
  yield node;
  for (const c of node.children) yield* walkFdt(c);
}

/** The node at a full path, or undefined. */
export function nodeAt(root: FdtNode, path: string): FdtNode | undefined {
  let node: FdtNode | undefined = root;
  for (const part of path.split('/').filter(Boolean)) {
    node =
      node.children.find((c) => c.name === part) ??
      node.children.find((c) => c.name.split('@')[0] === part);
    if (!node) return undefined;
  }
  return node;
}

/** Devicetree spec: a node is enabled unless its status says otherwise ("okay"/"ok"). */
export function isEnabled(node: FdtNode): boolean {
  const s = propString(node, 'status');
  return s === undefined || s === 'okay' || s === 'ok';
}
