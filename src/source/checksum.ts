/**
 * The image's expected sha256: --sha256, or its line in a SHA256SUMS (given, or found next to the
 * image). A local image is hashed before anything is written; a download is saved to the download
 * cache and checked there (src/download/), so no byte of it reaches a card unchecked.
 */
import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { CheckFailedError, ChecksumMismatchError, UsageError, UserError } from '../errors.js';
import type { SignatureVerdict } from '../sign/sshsig.js';
import { checkSumsSignature, type SignatureChoice } from './verify-sums.js';
import { isUrl } from './detect.js';
import { httpText } from './http.js';
import type { ProbedSource } from './probe.js';
import { isSha256, parseSha256Sums, sumsBeside } from './sha256sums.js';
import { unlessMissing } from '../fs-errors.js';

export interface ChecksumChoice {
  /** --sha256 HEX. */
  sha256?: string;
  /** --sha256sums FILE|URL. */
  sums?: string;
  /** --no-checksum: a download may be written unchecked. */
  skip?: boolean;
  /** --allow-http: plain http downloads (and SHA256SUMS) are accepted. */
  allowHttp?: boolean;
  /** Check SHA256SUMS.sig beside the SHA256SUMS (flash); absent: not looked at. */
  signature?: SignatureChoice;
}

export interface ExpectedChecksum {
  sha256: string;
  /** 'SHA256SUMS' (path or URL of the file) or '--sha256'. */
  origin: string;
  /** Every line of that SHA256SUMS (name → sha256): a bmap listed there is checked too. */
  listing?: ReadonlyMap<string, string>;
  /** What SHA256SUMS.sig said, when the choice asked for it. */
  signature?: SignatureVerdict;
}

async function readSums(location: string, allowHttp: boolean): Promise<string | undefined> {
  if (isUrl(location)) {
    if (/^http:/i.test(location) && !allowHttp)
      throw new UsageError(`${location} is plain http; use https or pass --allow-http`);
    return httpText(location, 1 << 20);
  }
  return unlessMissing(readFile(location, 'utf8'), undefined);
}

export async function findChecksum(
  probe: Pick<ProbedSource, 'input' | 'display' | 'url' | 'localPath'>,
  choice: ChecksumChoice,
): Promise<ExpectedChecksum | undefined> {
  if (choice.sha256 !== undefined) {
    if (!isSha256(choice.sha256))
      throw new UsageError(`--sha256 needs 64 hex digits, not '${choice.sha256}'`);
    return { sha256: choice.sha256.toLowerCase(), origin: '--sha256' };
  }
  if (choice.skip && choice.sums === undefined) {
    if (choice.signature?.require)
      throw new UsageError('--require-signature checks the SHA256SUMS: drop --no-checksum');
    return undefined;
  }
  const beside = sumsBeside(probe.localPath ?? probe.url ?? probe.input);
  const location = choice.sums ?? beside.sums;
  const text = await readSums(location, choice.allowHttp ?? false);
  if (text === undefined && choice.sums !== undefined)
    throw new UserError(`${choice.sums} not found; check the path`);
  const listing = text === undefined ? undefined : parseSha256Sums(text);
  const sha256 = listing?.get(beside.name);
  if (text !== undefined && !sha256)
    throw new UserError(
      `${location} has no line for ${beside.name}; pass the image's sha256 with --sha256`,
    );
  if (sha256 && listing && text !== undefined) {
    const signature = choice.signature
      ? await checkSumsSignature(location, text, choice.signature)
      : undefined;
    return { sha256, origin: location, listing, ...(signature ? { signature } : {}) };
  }
  if (choice.signature?.require)
    throw new CheckFailedError(
      `--require-signature: no SHA256SUMS next to ${probe.display} to check a signature of`,
    );
  if (probe.url && !choice.skip)
    throw new UserError(
      `no SHA256SUMS next to ${probe.display} to check the download against; pass --sha256 HEX or --sha256sums FILE (or --no-checksum to write it unchecked)`,
    );
  return undefined;
}

const hashReadBytes = 4 << 20;

/**
 * Two buffers, reused: the next piece is read (on libuv's threads) while this one is hashed. A
 * read stream allocated a fresh 4 MiB buffer per piece, whose pages the kernel had to fault in
 * and zero, and read nothing while hashing: 1.9 s for 483 MB where this takes about the hashing.
 */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  const fh = await open(path, 'r');
  try {
    const bufs = [Buffer.allocUnsafeSlow(hashReadBytes), Buffer.allocUnsafeSlow(hashReadBytes)];
    let reading = fh.read(bufs[0], 0, hashReadBytes, null);
    for (let i = 0; ; i ^= 1) {
      const { bytesRead } = await reading;
      if (bytesRead === 0) break;
      reading = fh.read(bufs[i ^ 1], 0, hashReadBytes, null);
      hash.update(bufs[i].subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}

export function checkDigest(display: string, expected: ExpectedChecksum, actual: string): void {
  if (actual !== expected.sha256)
    throw new ChecksumMismatchError(
      display,
      expected.sha256,
      actual,
      `the image is not the one ${expected.origin} describes; download it again`,
    );
}
