/**
 * What the build steps produce, each field written by exactly one step. Inputs are not here:
 * steps get the options through their factory (closures).
 */
import type { ModelVerdict } from '../image/pi-models.js';
import type { Layout } from './plan-image.js';
import type { PackageChange, StageDecision } from './plan-refresh.js';
import type { OpenedBase } from '../base/opened.js';
import type { InstallInputs, InstallRecord } from '../base/plan-install-cache.js';
import type { OverlayTrees } from '../base/apply-upper.js';

export interface Artifact {
  kind:
    'img' | 'img.xz' | 'img.zst' | 'zip' | 'bmap' | 'SHA256SUMS' | 'SHA256SUMS.sig' | 'manifest';
  path: string;
  bytes: number;
  sha256?: string;
}

export interface KernelVerdict {
  ok: boolean;
  version: string;
  missingRequired: string[];
  overridden: boolean;
}

export interface BuildContext {
  timings: Record<string, number>;
  /** open-base (build --base): the base image, read and planned */
  base?: OpenedBase;
  /** find-installed-base: the installed-base cache key (absent: the install cannot be keyed),
   * its inputs, and the cached entry when it was reused */
  baseInstall?: { key: string; inputs: InstallInputs; reused?: InstallRecord };
  /** find-installed-base: the reused root's overlay (its upper layer holds this build's changes) */
  baseOverlay?: OverlayTrees;
  /** assemble-base-image: how the root filesystem was made (the cached image reused, or why not) */
  baseRootImage?: { reused: true; changes: number } | { reused: false; why: string };
  /** install-docker: where Docker came from */
  baseDockerFrom?: 'base' | 'debian' | 'local';
  /** assemble-base-image: bytes the base's root partition grew by */
  baseRootGrownBytes?: number;
  /** check-host */
  mirrorLines?: string[];
  stageKey?: string;
  stageLineage?: string;
  stageFamily?: string;
  stageRootfs?: string;
  /** find-stage: reuse, refresh (upgrade a cached stage) or bootstrap */
  stagePlan?: StageDecision;
  stageCacheHit?: boolean;
  /** refresh-stage: what the upgrade changed */
  stageRefresh?: { from: string; installed: string[]; changes: PackageChange[] };
  /** copy-rootfs */
  workDir?: string;
  rootfsDir?: string;
  /** slim-rootfs: what was left out, per slim.json group */
  slim?: { files: number; bytes: number; groups: Record<string, { files: number; bytes: number }> };
  /** verify-kernel-config */
  kernel?: KernelVerdict;
  /** collect-packages (part of strip-identity's inventory) */
  packages?: { name: string; version: string; arch: string }[];
  /** assemble-image */
  layout?: Layout;
  imagePath?: string;
  /** verify-boot-files */
  piModels?: ModelVerdict[];
  /** write-artifacts */
  artifacts?: Artifact[];
  /** write-artifacts: files copied from the artifact cache (same image SHA-256 as before) */
  reusedArtifacts?: string[];
  manifest?: Record<string, unknown>;
}
