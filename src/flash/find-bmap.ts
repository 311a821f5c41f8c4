/**
 * Which bmap, if any, guides the write: --bmap file, one inside the zip, or one next to the image
 * (name.img.xz → name.img.xz.bmap, name.img.bmap, name.bmap). A bmap that is found but broken or
 * for another image is an error, never silently ignored: --no-bmap says "write every byte".
 */
import { readFile } from 'node:fs/promises';
import { ChecksumMismatchError, UsageError, UserError } from '../errors.js';
import { parseBmap, verifyBmapFileChecksum } from '../bmap/parse.js';
import type { Bmap } from '../bmap/types.js';
import { bmapCandidates, isUrl } from './source/detect.js';
import { httpText } from './source/http.js';
import type { ProbedSource } from './source/probe.js';
import { option } from '../option-names.js';

export type BmapChoice = { mode: 'discover' } | { mode: 'file'; path: string } | { mode: 'none' };

export interface FoundBmap {
  map: Bmap;
  origin: string;
}

const maxBytes = 64 << 20;

async function readLocal(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
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

export async function findBmap(
  source: ProbedSource,
  choice: BmapChoice,
  opts: { allowHttp?: boolean } = {},
): Promise<FoundBmap | undefined> {
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
    return checkBmap(text, choice.path, source);
  }
  if (source.innerBmap) return checkBmap(source.innerBmap.text, source.innerBmap.origin, source);
  const base = source.localPath ?? source.url;
  if (!base) return undefined;
  for (const candidate of bmapCandidates(base)) {
    const text = await readAny(candidate);
    if (text !== undefined) return checkBmap(text, candidate, source);
  }
  return undefined;
}
