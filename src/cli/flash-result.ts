/**
 * What `armada flash` prints: per card what was written and how it was checked, and each seeded
 * card's summary (the one configure prints), or with --json the result as one document.
 */
import type { CardsFailedError, FlashCommandResult } from '../commands/flash.js';
import { formatBytes } from '../format-bytes.js';
import { formatRate, rate } from '../flash/progress.js';
import { formatSeedReport, numberingNote } from './seed-report.js';
import { describeVerdict } from '../sign/sshsig.js';

/** How a card was named, when its number came from the counter (or --start). */
function numberedAs(r: FlashCommandResult, hostname: string | undefined): string {
  if (!r.numbering || !hostname) return '';
  return ` as ${hostname} (${numberingNote(r.numbering)})`;
}

/**
 * --json: the result with every card's outcome, ok or not (the run's own error goes in the
 * document's envelope, src/cli/json.ts).
 */
export function flashJson(r: FlashCommandResult, error?: CardsFailedError): object {
  return {
    ...r,
    cards: [
      ...r.cards.map((c) => ({ ok: true, ...c })),
      ...(error?.failed ?? []).map((f) => ({ ok: false, ...f })),
    ],
  };
}

export function formatFlashResult(r: FlashCommandResult, error?: CardsFailedError): string {
  const lines = r.cards.map((c) => {
    const speed = formatRate(rate(c.bytesWritten, c.seconds * 1000));
    return `${c.device}: wrote ${formatBytes(c.bytesWritten)} in ${c.seconds} s (${speed})${c.verified ? ', verified' : ', NOT verified'}${c.seeded ? `, seeded${numberedAs(r, c.seed?.hostname)}` : ''}${c.eject ? `; ${c.eject.message}` : ''}`;
  });
  const failed = (error?.failed ?? []).map((f) => `${f.device}: FAILED: ${f.error.message}`);
  const map = r.bmap
    ? ` using ${r.bmap} (${formatBytes(r.mappedBytes)} mapped of ${formatBytes(r.imageBytes)}${r.bmapProven ? '; bmap proven with the image' : ''})`
    : ` (${formatBytes(r.imageBytes)}, no bmap)`;
  const sum = r.checksum
    ? r.checksum === '--sha256'
      ? 'verified against --sha256'
      : `verified against SHA256SUMS (${r.checksum})${r.signature ? `, ${describeVerdict(r.signature)}` : ''}`
    : /^https?:/i.test(r.image)
      ? 'NOT verified (--no-checksum): written as it was downloaded'
      : 'no checksum to verify against (no SHA256SUMS next to it, no --sha256)';
  const remembered = r.checksumRemembered
    ? ' (its sha256 as hashed by an earlier flash; the file is unchanged since)'
    : '';
  // Each seeded card gets configure's summary: hostname, login, fingerprint, what to do next.
  const seeds = r.cards.flatMap((c) => (c.seed ? ['', formatSeedReport(c.device, c.seed)] : []));
  const kept = r.download
    ? [
        r.download.cached
          ? `  image read from the download cache: ${r.download.path}`
          : `  downloaded to ${r.download.path}${r.download.resumedFrom ? ` (resumed at ${formatBytes(r.download.resumedFrom)})` : ''}; the next flash of it reads it from there`,
      ]
    : [];
  return [
    `Flashed ${r.image}${map}`,
    `  image ${sum}${remembered}`,
    ...kept,
    ...lines,
    ...failed,
    ...seeds,
  ].join('\n');
}
