/**
 * The bootstrap stage cache: a finished root filesystem directory, keyed by everything that
 * decides its content — the options, the package set, the initramfs module list, the recipe
 * version and the archive state (each mirror's InRelease), so a new point release or security
 * update makes a new stage while an unchanged archive reuses the old one.
 */
import { shortKey } from '../cache/key.js';

/** Bump when the bootstrap recipe (hooks, variant) changes in a way the inputs don't show. */
const recipeVersion = 1;

export interface StageInputs {
  arch: string;
  suite: string;
  mirrorLines: string[];
  components: string[];
  keyring?: string;
  packages: string[];
  initramfsModules: string[];
  /** sha256 of each mirror line's InRelease, in the same order; empty when not fetched. */
  archiveState: string[];
  sourceDateEpoch?: number;
}

export function stageKey(inputs: StageInputs): string {
  return shortKey({ recipeVersion, ...inputs, packages: [...inputs.packages].sort() });
}
