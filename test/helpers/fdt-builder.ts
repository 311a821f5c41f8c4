/**
 * Writes a flattened device tree (.dtb) from a small description, the way dtc lays one out
 * (header, empty reservation map, structure block, strings block), so tests can hand the parser
 * and the boot-chain proof trees of any shape. Property values: a string or string[] (a string
 * list), a number[] (32-bit cells), a Buffer (raw), true (empty).
 */
export type PropValue = string | string[] | number[] | Buffer | true;

export interface NodeSpec {
  props?: Record<string, PropValue>;
  children?: Record<string, NodeSpec>;
}

function encode(v: PropValue): Buffer {
  if (v === true) return Buffer.alloc(0);
  if (Buffer.isBuffer(v)) return v;
  if (typeof v === 'string') return Buffer.from(`${v}\0`, 'latin1');
  if (v.length && typeof v[0] === 'string')
    return Buffer.from((v as string[]).map((s) => `${s}\0`).join(''), 'latin1');
  const b = Buffer.alloc(v.length * 4);
  (v as number[]).forEach((n, i) => b.writeUInt32BE(n >>> 0, i * 4));
  return b;
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const pad4 = (b: Buffer) => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);

export function buildFdt(root: NodeSpec): Buffer {
  const strings: string[] = [];
  const stringOff = (name: string) => {
    let off = 0;
    for (const s of strings) {
      if (s === name) return off;
      off += s.length + 1;
    }
    strings.push(name);
    return off;
  };
  const parts: Buffer[] = [];
  const node = (name: string, spec: NodeSpec) => {
    parts.push(u32(1), pad4(Buffer.from(`${name}\0`, 'latin1')));
    for (const [k, v] of Object.entries(spec.props ?? {})) {
      const value = encode(v);
      parts.push(u32(3), u32(value.length), u32(stringOff(k)), pad4(value));
    }
    for (const [k, c] of Object.entries(spec.children ?? {})) node(k, c);
    parts.push(u32(2));
  };
  node('', root);
  parts.push(u32(9));
  const struct = Buffer.concat(parts);
  const strs = Buffer.from(strings.map((s) => `${s}\0`).join(''), 'latin1');
  const headerSize = 40;
  const rsvmap = Buffer.alloc(16);
  const structOff = headerSize + rsvmap.length;
  const stringsOff = structOff + struct.length;
  const total = stringsOff + strs.length;
  const header = Buffer.alloc(headerSize);
  [
    0xd00dfeed,
    total,
    structOff,
    stringsOff,
    headerSize,
    17,
    16,
    0,
    strs.length,
    struct.length,
  ].forEach((n, i) => header.writeUInt32BE(n, i * 4));
  return Buffer.concat([header, rsvmap, struct, strs]);
}
