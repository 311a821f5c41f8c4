/**
 * Parsers for what the base reader gets back from files and tools. Pure, tested on recorded text.
 */
import { isSha256, parseSha256Sums } from '../source/sha256sums.js';

/**
 * A `.sha256` file beside an image: `sha256sum` output for that one file ("HEX  name"), or a bare
 * hex digest. undefined when it holds neither for `name`.
 */
export function sha256FromFile(text: string, name: string): string | undefined {
  const bare = text.trim();
  if (isSha256(bare)) return bare.toLowerCase();
  const listing = parseSha256Sums(text);
  return listing.get(name) ?? (listing.size === 1 ? [...listing.values()][0] : undefined);
}

export interface Ext4Stats {
  uuid: string;
  label: string;
  blockSize: number;
  blockCount: number;
  freeBlocks: number;
  inodeCount: number;
  freeInodes: number;
}

/** debugfs `stats` (the superblock, as dumpe2fs -h prints it). */
export function parseExt4Stats(text: string): Ext4Stats | undefined {
  const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim();
  const n = (name: string) => Number(field(name));
  const uuid = field('Filesystem UUID');
  if (!uuid) return undefined;
  const label = field('Filesystem volume name') ?? '';
  return {
    uuid,
    label: label === '<none>' ? '' : label,
    blockSize: n('Block size'),
    blockCount: n('Block count'),
    freeBlocks: n('Free blocks'),
    inodeCount: n('Inode count'),
    freeInodes: n('Free inodes'),
  };
}

/** The root filesystem's architecture: what dpkg says base-files (essential, always there) is. */
export function dpkgArch(status: string): string | undefined {
  for (const stanza of status.split(/\n\s*\n/)) {
    if (!/^Package: base-files$/m.test(stanza)) continue;
    return /^Architecture: (\S+)$/m.exec(stanza)?.[1];
  }
  return undefined;
}
