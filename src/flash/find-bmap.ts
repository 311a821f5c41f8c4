/**
 * Which bmap, if any, guides the write: --bmap file, one inside the zip, or one next to the image
 * (name.img.xz → name.img.xz.bmap, name.img.bmap, name.bmap). A bmap that is found but broken or
 * for another image is an error, never silently ignored: --no-bmap says "write every byte". A bmap
 * found next to the image and listed in the SHA256SUMS there is checked against its line.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ChecksumMismatchError, UsageError, UserError } from '../errors.js';
import { parseBmap, verifyBmapFileChecksum } from '../bmap/parse.js';
import type { Bmap } from '../bmap/types.js';
import { bmapCandidates, isUrl } from '../source/detect.js';
import { httpText } from '../source/http.js';
import type { ProbedSource } from '../source/probe.js';
import { option } from '../option-names.js';
import { unlessMissing } from '../fs-errors.js';

export type BmapChoice = { mode: 'discover' } | { mode: 'file'; path: string } | { mode: 'none' };

export interface FoundBmap {
  map: Bmap;
  origin: string;
  /**
   * What proves this bmap belongs to the image, once the image's own checksum holds: 'listed' (its
   * line in the SHA256SUMS that lists the image matched) or 'inside' (it came out of the archive).
   */
  vouch?: 'listed' | 'inside';
}

const maxBytes = 64 << 20;

function readLocal(path: string): Promise<string | undefined> {
  return unlessMissing(readFile(path, 'utf8'), undefined);
}

async function readAny(location: string): Promise<string | undefined> {
  return isUrl(location) ? httpText(location, maxBytes) : readLocal(location);
}

/** Parse and check a bmap's own checksum and that it describes this image. */
export function checkBmap(
  text: string,
  origin: string,
  source: Pick<ProbedSource, 'imageSize' | 'display'>,
): FoundBmap {
  const map = parseBmap(text, origin);
  const sum = verifyBmapFileChecksum(text, map);
  if (sum.ok === false) {
    throw new ChecksumMismatchError(
      origin,
      sum.expected,
      sum.actual,
      `the bmap file is corrupt or was edited; download it again or use ${option('noBmap')}`,
    );
  }
  if (source.imageSize !== undefined && source.imageSize !== map.imageSize) {
    throw new UserError(
      `${origin} describes an image of ${map.imageSize} bytes but ${source.display} is ${source.imageSize} bytes; ` +
        `pass the matching bmap with ${option('bmap')} or use ${option('noBmap')}`,
    );
  }
  return { map, origin };
}

export interface BmapText {
  text: string;
  origin: string;
}

/** The bmap's text and where it came from, unchecked (a download keeps a copy of it). */
export async function findBmapText(
  source: ProbedSource,
  choice: BmapChoice,
  opts: { allowHttp?: boolean } = {},
): Promise<(BmapText & { discovered: boolean; inside?: boolean }) | undefined> {
  if (choice.mode === 'none') return undefined;
  if (choice.mode === 'file') {
    if (/^http:/i.test(choice.path) && !opts.allowHttp)
      throw new UsageError(
        `bmap ${choice.path} is plain http; use https or pass ${option('allowHttp')}`,
      );
    const text = await readAny(choice.path);
    if (text === undefined)
      throw new UserError(
        `bmap ${choice.path} not found; check the path or use ${option('noBmap')}`,
      );
    return { text, origin: choice.path, discovered: false };
  }
  if (source.innerBmap) return { ...source.innerBmap, discovered: false, inside: true };
  const base = source.localPath ?? source.url;
  if (!base) return undefined;
  for (const candidate of bmapCandidates(base)) {
    const text = await readAny(candidate);
    if (text !== undefined) return { text, origin: candidate, discovered: true };
  }
  return undefined;
}

/**
 * A bmap found next to the image and listed in the SHA256SUMS found there must match its line.
 * True when it was listed (and matched).
 */
export function checkListedBmap(
  found: BmapText,
  listing: ReadonlyMap<string, string> | undefined,
): boolean {
  const name = isUrl(found.origin)
    ? decodeURIComponent(new URL(found.origin).pathname.split('/').pop() ?? '')
    : basename(found.origin);
  const expected = listing?.get(name);
  if (!expected) return false;
  const actual = createHash('sha256').update(found.text).digest('hex');
  if (actual !== expected)
    throw new ChecksumMismatchError(
      found.origin,
      expected,
      actual,
      'the bmap is not the one SHA256SUMS lists; download it again or use --no-bmap',
    );
  return true;
}

export async function findBmap(
  source: ProbedSource,
  choice: BmapChoice,
  opts: { allowHttp?: boolean; listing?: ReadonlyMap<string, string> } = {},
): Promise<FoundBmap | undefined> {
  const found = await findBmapText(source, choice, opts);
  if (!found) return undefined;
  const listed = found.discovered && checkListedBmap(found, opts.listing);
  const checked = checkBmap(found.text, found.origin, source);
  if (listed) return { ...checked, vouch: 'listed' };
  return found.inside ? { ...checked, vouch: 'inside' } : checked;
}
