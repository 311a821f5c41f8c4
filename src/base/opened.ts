/**
 * What the open-base step leaves in the build context: where the base came from, its raw image
 * and what was read from it.
 */
import type { BaseSource, UnpackedBase } from './open-base.js';
import type { BaseImage } from './read-base.js';

export interface OpenedBase {
  source: BaseSource;
  unpacked: UnpackedBase;
  read: BaseImage;
}

/** What `build --base` takes beyond the build options. */
export interface BaseOptions {
  base: string;
  sha256?: string;
  allowHttp?: boolean;
  /** A directory of .debs to install Docker from instead of an archive. */
  packagesFrom?: string;
}

/** manifest.json's record of the base: what it was, its checksum, what armada changed. */
export function baseManifest(
  b: OpenedBase,
  grownBytes?: number,
  dockerFrom?: string,
  install?: { key: string; reusedFrom?: string },
): Record<string, unknown> {
  const r = b.read;
  return {
    source: b.source.input,
    sha256: b.source.sha256,
    checkedAgainst: b.source.checkedAgainst ?? null,
    format: b.unpacked.format,
    arch: r.arch,
    firstBootStyle: r.plan.detection.style,
    firstBootEvidence: r.plan.detection.evidence,
    diskId: r.table.id,
    rootUuid: r.root.fs.uuid,
    kernels: r.kernels,
    cmdline: { before: r.facts.cmdline.trim(), after: r.plan.cmdline.text.trim() },
    changes: r.plan.changes,
    ...(dockerFrom ? { dockerFrom } : {}),
    // The installed-base cache: the key of this root after the Docker install, and the entry it
    // was copied from when the install was not run again (null: installed by this build).
    ...(install ? { installKey: install.key, installReusedFrom: install.reusedFrom ?? null } : {}),
    ...(grownBytes !== undefined ? { rootGrownBytes: grownBytes } : {}),
  };
}
