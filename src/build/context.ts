/**
 * What the build steps produce, each field written by one step (or, where the two pipelines differ,
 * by one step of each). Inputs are not here: steps get the options through their factory
 * (closures). A step reads what an earlier one wrote through produced(), never `ctx.x!`: read too
 * early, it names the step that should have run first.
 */
import { InternalError } from '../errors.js';
import type { ModelVerdict } from '../image/pi-models.js';
import type { BootChainVerdict } from '../boot-chain/models.js';
import type { Layout } from '../image/plan-image.js';
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

/**
 * find-installed-base's decision, made once: a keyed install is either reused from the cache (and
 * the steps whose result it holds skip) or made by this build (and kept under its key).
 */
export type BaseInstall =
  | { reused: false; key: string; inputs: InstallInputs }
  | {
      reused: true;
      key: string;
      inputs: InstallInputs;
      /** The cache entry this build's root comes from. */
      entry: InstallRecord;
      /** Present when the entry is mounted as an overlay: its upper layer holds this build's changes. */
      overlay?: OverlayTrees;
    };

export interface BuildContext {
  timings: Record<string, number>;
  /** open-base (build --base): the base image, read and planned */
  base?: OpenedBase;
  /** find-installed-base; absent: the install cannot be keyed (so it is made, never kept) */
  baseInstall?: BaseInstall;
  /** assemble-base-image: how the root filesystem was made (the cached image reused, or why not) */
  baseRootImage?: { reused: true; changes: number } | { reused: false; why: string };
  /** install-docker: where Docker came from */
  baseDockerFrom?: 'base' | 'debian' | 'local';
  /** assemble-base-image: bytes the base's root partition grew by */
  baseRootGrownBytes?: number;
  /** check-host */
  mirrorLines?: string[];
  /** check-host: the stage this build's options and the archive's state key */
  stageKey?: string;
  stageLineage?: string;
  stageFamily?: string;
  stageRootfs?: string;
  /** find-stage: reuse, refresh (upgrade a cached stage) or bootstrap */
  stagePlan?: StageDecision;
  stageCacheHit?: boolean;
  /** refresh-stage: what the upgrade changed */
  stageRefresh?: { from: string; installed: string[]; changes: PackageChange[] };
  /** copy-rootfs; open-base in build --base */
  workDir?: string;
  /** copy-rootfs; extract-base-rootfs or (a reused install) find-installed-base in build --base */
  rootfsDir?: string;
  /** slim-rootfs: what was left out, per slim.json group */
  slim?: { files: number; bytes: number; groups: Record<string, { files: number; bytes: number }> };
  /** verify-kernel-config */
  kernel?: KernelVerdict;
  /** collect-packages (part of strip-identity's inventory) */
  packages?: { name: string; version: string; arch: string }[];
  /** assemble-image: the root's copies of boot-partition files, made links (slim.json) */
  bootLinks?: { files: number; bytes: number };
  /** assemble-image */
  layout?: Layout;
  /** assemble-image or assemble-base-image; write-artifacts, where the image went */
  imagePath?: string;
  /** verify-boot-files */
  piModels?: ModelVerdict[];
  /** prove-boot-chain */
  bootChain?: BootChainVerdict[];
  /** write-artifacts */
  artifacts?: Artifact[];
  /** write-artifacts: files copied from the artifact cache (same image SHA-256 as before) */
  reusedArtifacts?: string[];
  manifest?: Record<string, unknown>;
}

/** Who writes each product later steps read: said when one is read before it was written. */
const producers = {
  base: 'open-base',
  workDir: 'copy-rootfs (open-base in build --base)',
  rootfsDir: 'copy-rootfs (extract-base-rootfs or find-installed-base in build --base)',
  stageKey: 'check-host',
  stageLineage: 'check-host',
  stageFamily: 'check-host',
  stageRootfs: 'check-host',
  imagePath: 'assemble-image (assemble-base-image in build --base)',
} satisfies Partial<Record<keyof BuildContext, string>>;

/**
 * A product of an earlier step. Its absence is a pipeline whose steps run out of order, or a step
 * run alone without what it needs: a bug, named with the step that should have run first.
 */
export function produced<K extends keyof typeof producers>(
  ctx: BuildContext,
  key: K,
): NonNullable<BuildContext[K]> {
  const value = ctx[key];
  if (value === undefined)
    throw new InternalError(`build steps out of order: ${key} is read before ${producers[key]}`);
  return value;
}

/** The skip reason of the steps whose result a reused install already holds. */
export function reusedInstall(ctx: BuildContext): string | false {
  const install = ctx.baseInstall;
  return install?.reused ? `the installed-base cache holds the result (${install.key})` : false;
}
