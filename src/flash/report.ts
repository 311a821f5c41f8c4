/**
 * What flash tells the edge while it writes. The CLI renders it (listr2); tests and library users
 * pass nothing and get silence. Flash never asks questions itself: the edge answers them.
 */
import type { StepReport } from '../progress.js';
import type { Drive } from './drive.js';

/** A download before any card is touched: status lines, a final title, then its end. */
export interface DownloadReport extends StepReport {
  end(error?: Error): Promise<void>;
}

export interface FlashProgress {
  /** An image URL is downloaded into the cache and checked (before begin). */
  download?(title: string): DownloadReport;
  /** Every check passed and every question was answered: writing starts. */
  begin(title: string, cards: readonly Drive[]): void;
  /** A progress line for one card ("writing 1.2 GB of 2.0 GB …"). */
  status(card: number, text: string): void;
  /** One card is finished: written (no error) or failed. */
  cardEnded(card: number, error?: Error): void;
  /** Every card is settled; the error is the run's outcome when it failed. */
  end(error?: Error): Promise<void>;
}

/** Questions asked before anything is written; without them flash refuses what needs an answer. */
export interface FlashQuestions {
  /** Pick cards among the candidates; throws CancelledError when the user cancels. */
  chooseDrives(candidates: readonly Drive[]): Promise<Drive[]>;
  /** true only for an explicit yes. */
  confirm(question: string): Promise<boolean>;
}

export const silentProgress: FlashProgress = {
  begin: () => undefined,
  status: () => undefined,
  cardEnded: () => undefined,
  end: () => Promise.resolve(),
};
