/**
 * The build's time when the user sets no SOURCE_DATE_EPOCH. Every build stamps this time into
 * the image (mtimes, mkfs, first-boot files, manifest), so a wall-clock time made every image new
 * and compressed it again. The default is the archive's own time: the newest `Date:` of the
 * InRelease files the stage was made (or last upgraded) from. The archive state already keys the
 * stage, so the time follows the inputs: the same stage gives the same image and its cached
 * artifacts, a point release or security update gives a new stage and a later time. It is the
 * same on every machine that built from that archive state, and no package in the stage is newer,
 * so clamping mtimes to it leaves every packaged file's time as the package shipped it. Pure.
 */

export type EpochSource = 'SOURCE_DATE_EPOCH' | 'archive' | 'stage' | 'clock';

export interface EpochInputs {
  /** SOURCE_DATE_EPOCH as given (environment or option). */
  given?: number;
  /** The text of each InRelease file kept with the stage. */
  inReleases: readonly string[];
  /** The stage record's updatedAt (ISO): when its packages were last brought up to date. */
  stageUpdatedAt?: string;
}

export interface EpochDecision {
  /** Seconds since 1970; undefined: the build runs on the clock (nothing to derive it from). */
  epoch?: number;
  from: EpochSource;
}

/** The `Date:` field of a Release or InRelease file, in whole seconds; undefined without one. */
export function releaseDate(text: string): number | undefined {
  const m = /^Date:[ \t]*(.+?)[ \t]*$/m.exec(text);
  const ms = m ? Date.parse(m[1]) : NaN;
  return Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : undefined;
}

export function decideEpoch(i: EpochInputs): EpochDecision {
  if (i.given !== undefined) return { epoch: i.given, from: 'SOURCE_DATE_EPOCH' };
  const dates = i.inReleases.map(releaseDate).filter((d): d is number => d !== undefined);
  if (dates.length) return { epoch: Math.max(...dates), from: 'archive' };
  // A stage from a source without InRelease (a file: mirror) or from before stages kept them.
  const updated = i.stageUpdatedAt ? Date.parse(i.stageUpdatedAt) : NaN;
  if (Number.isFinite(updated) && updated > 0)
    return { epoch: Math.floor(updated / 1000), from: 'stage' };
  return { from: 'clock' };
}
