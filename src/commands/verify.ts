/**
 * `armada verify <image> <card>`: does the card hold the image? Compares without writing.
 */
import { CheckFailedError } from '../errors.js';
import { compareCard, type CompareOptions, type CompareResult } from '../flash/compare-card.js';
import { formatBytes } from '../format-bytes.js';
import { differenceNote } from '../flash/plan-compare.js';
import { log } from '../log.js';

export type { CompareResult as VerifyResult };

/** The comparison, with a progress line on stderr every 10 s. */
export function verifyCard(opts: Omit<CompareOptions, 'onProgress'>): Promise<CompareResult> {
  let shown = Date.now();
  return compareCard({
    ...opts,
    onProgress: (done, total) => {
      if (Date.now() - shown < 10_000) return;
      shown = Date.now();
      log.info(
        `compared ${formatBytes(done)}${total ? ` of ${formatBytes(total)} (${Math.floor((done / total) * 100)} %)` : ''}`,
      );
    },
  });
}

export function formatVerify(r: CompareResult): string {
  const what = r.bmap
    ? `the ${formatBytes(r.comparedBytes)} ${r.bmap} maps`
    : `all ${formatBytes(r.comparedBytes)} of the image`;
  return r.equal
    ? `${r.target} holds ${r.image}: ${what} are equal (read from the card, nothing written)`
    : verifyFailure(r)!.message;
}

/** A card that differs is a failed check (exit 3); undefined when it holds the image. */
export function verifyFailure(r: CompareResult): CheckFailedError | undefined {
  if (r.equal || !r.difference) return undefined;
  const { offset, partition } = r.difference;
  return new CheckFailedError(
    `${r.target} differs from ${r.image} at byte ${offset} (${formatBytes(offset)}), ${differenceNote(partition, offset)}; ` +
      `${formatBytes(r.comparedBytes)} before it were equal`,
  );
}
