/**
 * Pure: a small reader for Apple's XML property lists (what `diskutil … -plist` prints):
 * dict, array, string, integer, real, true, false, date, data. Kept by hand on top of
 * fast-xml-parser (already a dependency) rather than another package for one macOS command; tested
 * on recorded diskutil output (test/fixtures/flash/macos/).
 */
import { XMLParser } from 'fast-xml-parser';
import { UserError } from '../../errors.js';

export type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };

/** fast-xml-parser's ordered form: one-key objects holding child lists, text under '#text'. */
type OrderedNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

function tagOf(node: OrderedNode): string | undefined {
  return Object.keys(node).find((k) => k !== ':@');
}

function textOf(children: OrderedNode[]): string {
  return children
    .map((c) =>
      typeof c['#text'] === 'string' || typeof c['#text'] === 'number' ? String(c['#text']) : '',
    )
    .join('');
}

function elements(children: OrderedNode[]): OrderedNode[] {
  return children.filter((c) => {
    const tag = tagOf(c);
    return tag !== undefined && tag !== '#text' && tag !== '#comment';
  });
}

function convert(node: OrderedNode): PlistValue {
  const tag = tagOf(node)!;
  const children = (node[tag] as OrderedNode[] | undefined) ?? [];
  switch (tag) {
    case 'string':
    case 'date':
    case 'data':
      return textOf(children);
    case 'integer':
    case 'real': {
      const n = Number(textOf(children).trim());
      if (!Number.isFinite(n)) throw new UserError(`property list holds a malformed <${tag}>`);
      return n;
    }
    case 'true':
      return true;
    case 'false':
      return false;
    case 'array':
      return elements(children).map(convert);
    case 'dict': {
      const out: Record<string, PlistValue> = {};
      const items = elements(children);
      for (let i = 0; i + 1 < items.length; i += 2) {
        const keyNode = items[i];
        if (tagOf(keyNode) !== 'key')
          throw new UserError('property list <dict> without a <key> where one belongs');
        out[textOf(keyNode.key as OrderedNode[])] = convert(items[i + 1]);
      }
      return out;
    }
    default:
      throw new UserError(`property list holds an unknown element <${tag}>`);
  }
}

export function parsePlist(xml: string): PlistValue {
  let doc: OrderedNode[];
  try {
    doc = parser.parse(xml) as OrderedNode[];
  } catch (error) {
    throw new UserError(
      `diskutil printed a property list that is not valid XML: ${(error as Error).message}`,
    );
  }
  const plist = doc.find((n) => tagOf(n) === 'plist');
  const root = plist ? elements(plist.plist as OrderedNode[])[0] : undefined;
  if (!root) throw new UserError('diskutil printed no property list; is this macOS?');
  return convert(root);
}

/** Typed accessors for dicts of unknown shape. */
export function str(dict: PlistValue | undefined, key: string): string | undefined {
  const v = isDict(dict) ? dict[key] : undefined;
  return typeof v === 'string' ? v : undefined;
}

export function num(dict: PlistValue | undefined, key: string): number | undefined {
  const v = isDict(dict) ? dict[key] : undefined;
  return typeof v === 'number' ? v : undefined;
}

export function bool(dict: PlistValue | undefined, key: string): boolean | undefined {
  const v = isDict(dict) ? dict[key] : undefined;
  return typeof v === 'boolean' ? v : undefined;
}

export function list(dict: PlistValue | undefined, key: string): PlistValue[] {
  const v = isDict(dict) ? dict[key] : undefined;
  return Array.isArray(v) ? v : [];
}

export function isDict(v: PlistValue | undefined): v is { [key: string]: PlistValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
