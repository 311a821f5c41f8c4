/**
 * Pure parser and checksum check for bmap-tools' XML block maps (versions 1.x and 2.0; armada
 * writes 2.0). Every problem is collected and reported at once.
 */
import { createHash } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { UserError } from '../errors.js';
import type { Bmap, BmapRange } from './types.js';

/** Hashes bmap-tools may name in ChecksumType (Python's hashlib names) that Node also has. */
const knownHashes: Record<string, number> = {
  md5: 32,
  sha1: 40,
  sha224: 56,
  sha256: 64,
  sha384: 96,
  sha512: 128,
};

interface Names {
  rangeAttr: string;
  fileChecksumTag: string;
}

/** Version 1.3 used SHA-1 under other names; 1.4 is 2.0 under a wrong number (bmap-tools' note). */
function namesFor(version: string): Names | undefined {
  const [major, minor] = version.split('.').map(Number);
  if (major === 1 && minor === 3) return { rangeAttr: 'sha1', fileChecksumTag: 'BmapFileSHA1' };
  if (major === 2 || (major === 1 && minor === 4))
    return { rangeAttr: 'chksum', fileChecksumTag: 'BmapFileChecksum' };
  return undefined;
}

type XmlNode = string | { '#text'?: string; [attr: string]: unknown };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: false,
  isArray: (name) => name === 'Range',
});

function text(node: unknown): string | undefined {
  if (typeof node === 'string') return node.trim();
  if (typeof node === 'object' && node !== null && '#text' in node)
    return String(node['#text']).trim();
  return undefined;
}

function integer(node: unknown, name: string, problems: string[]): number {
  const t = text(node);
  if (t === undefined || !/^\d+$/.test(t)) {
    problems.push(`<${name}> is missing or not a whole number`);
    return 0;
  }
  return Number(t);
}

function parseRange(
  node: XmlNode,
  names: Names | undefined,
  index: number,
  problems: string[],
): BmapRange | undefined {
  const t = text(node) ?? '';
  const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(t);
  if (!m) {
    problems.push(`<Range> #${index + 1} '${t}' is not 'first-last' or 'block'`);
    return undefined;
  }
  const first = Number(m[1]);
  const last = m[2] === undefined ? first : Number(m[2]);
  const attr = typeof node === 'object' && names ? node[`@_${names.rangeAttr}`] : undefined;
  return {
    first,
    last,
    ...(typeof attr === 'string' ? { checksum: attr.trim().toLowerCase() } : {}),
  };
}

/** Parse bmap XML. `origin` names the file in error messages. */
export function parseBmap(xml: string, origin = 'bmap file'): Bmap {
  let doc: { bmap?: Record<string, unknown> };
  try {
    doc = parser.parse(xml) as typeof doc;
  } catch (error) {
    throw new UserError(
      `${origin} is not valid XML (${(error as Error).message}); pass another with --bmap or use --no-bmap`,
    );
  }
  const root = doc.bmap;
  if (typeof root !== 'object' || root === null) {
    throw new UserError(
      `${origin} is not a bmap file (no <bmap> element); pass another with --bmap or use --no-bmap`,
    );
  }
  const problems: string[] = [];
  const version = typeof root['@_version'] === 'string' ? root['@_version'].trim() : '';
  const major = Number(version.split('.')[0]);
  if (!/^\d+\.\d+$/.test(version) || major < 1 || major > 2)
    problems.push(`unsupported bmap version '${version}' (1.x and 2.x are)`);
  const names = namesFor(version);

  const imageSize = integer(root.ImageSize, 'ImageSize', problems);
  const blockSize = integer(root.BlockSize, 'BlockSize', problems);
  const blocksCount = integer(root.BlocksCount, 'BlocksCount', problems);
  const mappedBlocksCount = integer(root.MappedBlocksCount, 'MappedBlocksCount', problems);
  const checksumType =
    names === undefined
      ? ''
      : (text(root.ChecksumType) ?? (names.rangeAttr === 'sha1' ? 'sha1' : '')).toLowerCase();
  const digestLength = knownHashes[checksumType];
  if (names && !digestLength) problems.push(`unsupported ChecksumType '${checksumType}'`);
  const fileChecksum = names ? text(root[names.fileChecksumTag])?.toLowerCase() : undefined;

  if (blockSize > 0 && blocksCount !== Math.ceil(imageSize / blockSize)) {
    problems.push(
      `BlocksCount ${blocksCount} does not match ImageSize ${imageSize} / BlockSize ${blockSize}`,
    );
  }
  if (blockSize <= 0 || blockSize % 512 !== 0)
    problems.push(`BlockSize ${blockSize} is not a positive multiple of 512`);

  const blockMap = root.BlockMap;
  const rawRanges =
    typeof blockMap === 'object' && blockMap !== null
      ? ((blockMap as { Range?: XmlNode[] }).Range ?? [])
      : [];
  if (typeof blockMap !== 'object' && blockMap !== '') problems.push('<BlockMap> is missing');
  const ranges: BmapRange[] = [];
  let mapped = 0;
  rawRanges.forEach((node, i) => {
    const r = parseRange(node, names, i, problems);
    if (!r) return;
    const previous = ranges.at(-1);
    if (r.last < r.first) problems.push(`<Range> ${r.first}-${r.last} ends before it starts`);
    else if (previous && r.first <= previous.last)
      problems.push(`<Range> ${r.first}-${r.last} overlaps or precedes the one before`);
    else if (r.last >= blocksCount)
      problems.push(`<Range> ${r.first}-${r.last} is beyond the image (${blocksCount} blocks)`);
    if (
      r.checksum !== undefined &&
      digestLength &&
      !new RegExp(`^[0-9a-f]{${digestLength}}$`).test(r.checksum)
    ) {
      problems.push(`<Range> ${r.first}-${r.last} has a malformed ${checksumType} checksum`);
    }
    mapped += r.last - r.first + 1;
    ranges.push(r);
  });
  if (mapped !== mappedBlocksCount)
    problems.push(
      `MappedBlocksCount ${mappedBlocksCount} does not match the ranges (${mapped} blocks)`,
    );

  if (problems.length)
    throw new UserError(
      `${origin} is not a valid bmap; pass another with --bmap or use --no-bmap`,
      problems,
    );
  return {
    version,
    imageSize,
    blockSize,
    blocksCount,
    mappedBlocksCount,
    checksumType,
    ...(fileChecksum ? { fileChecksum } : {}),
    ranges,
  };
}

export type BmapChecksumResult =
  { ok: true } | { ok: false; expected: string; actual: string } | { ok: 'absent' };

/**
 * Check BmapFileChecksum the way bmap-tools computes it: the digest of the whole file with the
 * checksum's own digits replaced by '0's.
 */
export function verifyBmapFileChecksum(xml: string, map: Bmap): BmapChecksumResult {
  const expected = map.fileChecksum;
  if (!expected) return { ok: 'absent' };
  const names = namesFor(map.version);
  const tag = names?.fileChecksumTag ?? 'BmapFileChecksum';
  const match = new RegExp(`(<${tag}>\\s*)([0-9a-fA-F]+)(\\s*</${tag}>)`).exec(xml);
  if (!match) return { ok: false, expected, actual: '(no checksum element)' };
  const start = match.index + match[1].length;
  const zeroed =
    xml.slice(0, start) + '0'.repeat(match[2].length) + xml.slice(start + match[2].length);
  const actual = createHash(map.checksumType).update(zeroed).digest('hex');
  return actual === expected ? { ok: true } : { ok: false, expected, actual };
}
