/**
 * The image flash will read, its bmap and its expected checksum. A URL with a checksum is fetched
 * into the download cache and checked there first, then read like a local file: a mismatch stops
 * before any card is chosen, let alone written. Only --no-checksum streams a URL to the cards.
 */
import { writeFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { cacheName } from '../download/cache-dir.js';
import { fetchVerified, type VerifiedFile } from '../download/fetch-verified.js';
import { log } from '../log.js';
import {
  checkBmap,
  checkListedBmap,
  findBmap,
  findBmapText,
  type BmapChoice,
  type FoundBmap,
} from './find-bmap.js';
import { formatBytes } from '../format-bytes.js';
import { formatProgress } from './progress.js';
import type { DownloadReport } from './report.js';
import {
  checkDigest,
  findChecksum,
  type ChecksumChoice,
  type ExpectedChecksum,
} from '../source/checksum.js';
import { defaultDigestMemo, sha256OfLocalImage } from '../source/local-digest.js';
import { isUrl } from '../source/detect.js';
import { checkSourceScheme, probeSource, type ProbedSource } from '../source/probe.js';

export interface ResolveOptions {
  image: string;
  bmap: BmapChoice;
  checksum?: ChecksumChoice;
  /** Reports the download (flash's progress); none: silent. */
  download?: (title: string) => DownloadReport;
  /** Default: `downloads/` in armada's cache dir. */
  downloadsDir?: string;
  /** Memo of local images already hashed (default: in armada's cache dir); false: hash every time. */
  digestMemo?: string | false;
}

export interface ResolvedImage {
  probe: ProbedSource;
  bmap?: FoundBmap;
  /** Checked already: a local image was hashed, a download was checked in the cache. */
  checksum?: ExpectedChecksum;
  /** Where a URL's image is kept, and whether this run downloaded it. */
  download?: VerifiedFile;
  /** The local image's digest came from the memo: this very file was hashed by an earlier run. */
  checksumRemembered?: boolean;
  /** The memo it came from. */
  rememberedIn?: string;
}

export async function resolveImage(opts: ResolveOptions): Promise<ResolvedImage> {
  const choice = opts.checksum ?? {};
  const allowHttp = choice.allowHttp ?? false;
  checkSourceScheme(opts.image, { allowHttp });
  if (!isUrl(opts.image)) {
    const probe = await probeSource(opts.image);
    const checksum = await findChecksum(probe, choice);
    const bmap = await findBmap(probe, opts.bmap, {
      allowHttp,
      ...(checksum?.listing ? { listing: checksum.listing } : {}),
    });
    if (!checksum) return { probe, ...(bmap ? { bmap } : {}) };
    const memo = opts.digestMemo === false ? undefined : (opts.digestMemo ?? defaultDigestMemo());
    const digest = await sha256OfLocalImage(probe.localPath!, memo);
    if (digest.remembered)
      log.debug(`${probe.display}: sha256 remembered from an earlier run (${memo}), not re-read`);
    checkDigest(probe.display, checksum, digest.sha256);
    return {
      probe,
      ...(bmap ? { bmap } : {}),
      checksum,
      ...(digest.remembered && memo ? { checksumRemembered: true, rememberedIn: memo } : {}),
    };
  }
  const url = opts.image;
  const checksum = await findChecksum({ input: url, display: url, url }, choice);
  if (!checksum) {
    log.warn(
      `--no-checksum: ${url} is written to the card as it arrives, unverified and not cached; only a bmap's range checksums (if there is a bmap) are checked`,
    );
    const probe = await probeSource(url, { allowHttp });
    const bmap = await findBmap(probe, opts.bmap, { allowHttp });
    return { probe, ...(bmap ? { bmap } : {}) };
  }
  const file = await download(url, checksum, opts);
  const local = await probeSource(file.path);
  const probe: ProbedSource = {
    ...local,
    input: url,
    display: url,
    ...(local.innerBmap
      ? {
          innerBmap: {
            text: local.innerBmap.text,
            origin: `${url}:${local.innerBmap.origin.slice(local.display.length + 1)}`,
          },
        }
      : {}),
  };
  const bmap = await downloadedBmap(url, probe, opts.bmap, allowHttp, checksum.listing);
  return { probe, ...(bmap ? { bmap } : {}), checksum, download: file };
}

async function download(
  url: string,
  checksum: ExpectedChecksum,
  opts: ResolveOptions,
): Promise<VerifiedFile> {
  const report = opts.download?.(`Download ${url}`);
  try {
    const file = await fetchVerified({
      url,
      sha256: checksum.sha256,
      origin: checksum.origin,
      allowHttp: opts.checksum?.allowHttp ?? false,
      ...(opts.downloadsDir ? { downloadsDir: opts.downloadsDir } : {}),
      onProgress: (p) =>
        report?.status(
          `${p.resumedFrom ? `resumed at ${formatBytes(p.resumedFrom)} · ` : ''}${formatProgress(p)}`,
        ),
    });
    report?.title(
      file.cached
        ? `${url}: verified copy in the download cache`
        : `Downloaded ${url} and verified it against ${checksum.origin === '--sha256' ? '--sha256' : 'SHA256SUMS'}`,
    );
    await report?.end();
    return file;
  } catch (error) {
    await report?.end(error as Error);
    throw error;
  }
}

/**
 * The bmap next to a downloaded image: the copy an earlier run kept beside it in the cache, else
 * the one next to the URL (kept for the next run). Either is checked against SHA256SUMS when it
 * lists it, and against the image's size.
 */
async function downloadedBmap(
  url: string,
  probe: ProbedSource,
  choice: BmapChoice,
  allowHttp: boolean,
  listing: ReadonlyMap<string, string> | undefined,
): Promise<FoundBmap | undefined> {
  if (choice.mode !== 'discover' || probe.innerBmap) return findBmap(probe, choice, { allowHttp });
  const kept = await findBmapText(probe, choice);
  const found =
    kept ?? (await findBmapText({ input: url, display: url, url, format: 'raw' }, choice));
  if (!found) return undefined;
  const listed = checkListedBmap(found, listing);
  const checked: FoundBmap = {
    ...checkBmap(found.text, found.origin, probe),
    ...(listed ? { vouch: 'listed' as const } : {}),
  };
  if (!kept) {
    const entry = dirname(probe.localPath!);
    const name = cacheName(found.origin);
    const temp = join(entry, `.${name}.${process.pid}`);
    await writeFile(temp, found.text);
    await rename(temp, join(entry, name));
  }
  return checked;
}
