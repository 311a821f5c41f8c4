/**
 * manifest.json: everything needed to know what an image is and how it was made. Pure.
 */
import { basename } from 'node:path';
import type { Artifact, BuildContext } from './context.js';
import type { BuildOptions } from './options.js';
import { buildPackages, defaultKernelGroups } from './packages.js';
import { baseManifest } from '../base/opened.js';
import { manifestBootChain } from '../boot-chain/models.js';
import { bootLinksGroup } from './plan-slim.js';

type Tally = { files: number; bytes: number };

/** What the image leaves out per group: slim-rootfs's filters and assemble-image's links. */
export function slimRecord(
  slim: Tally & { groups: Record<string, Tally> },
  linked: Tally | undefined,
): Tally & { groups: Record<string, Tally> } {
  if (!linked) return slim;
  return {
    files: slim.files + linked.files,
    bytes: slim.bytes + linked.bytes,
    groups: { ...slim.groups, [bootLinksGroup.name]: linked },
  };
}

export function buildManifest(
  o: BuildOptions,
  ctx: BuildContext,
  artifacts: readonly Artifact[],
  buildTime: Date,
): Record<string, unknown> {
  return {
    armada: { version: o.armadaVersion },
    name: o.name,
    createdAt: buildTime.toISOString(),
    // SOURCE_DATE_EPOCH, the archive's time (stage's InRelease), the stage's, or the clock.
    createdAtFrom: o.createdAtFrom ?? (o.sourceDateEpoch ? 'SOURCE_DATE_EPOCH' : 'clock'),
    ...(o.sourceDateEpoch ? { sourceDateEpoch: o.sourceDateEpoch } : {}),
    inputs: {
      arch: o.arch,
      suite: o.suite,
      mirrorLines: ctx.mirrorLines ?? [],
      components: o.components,
      ...(o.keyring ? { keyring: o.keyring } : {}),
      extraPackages: o.packages,
      requestedPackages: buildPackages(o),
      stageKey: ctx.stageKey,
      // This build upgraded a cached stage rather than bootstrapping (see plan-refresh.ts).
      ...(ctx.stageRefresh
        ? {
            stageRefreshedFrom: ctx.stageRefresh.from,
            stageRefreshInstalled: ctx.stageRefresh.installed,
            stageRefreshChanges: ctx.stageRefresh.changes,
          }
        : {}),
    },
    options: {
      insecureTcp: o.insecureTcp,
      allowMissingKernelOptions: o.allowMissingKernelOptions,
      requireKernel: o.requireKernel,
      with: o.with,
      // An opted-out default kernel group is recorded by name, so nobody has to diff lists.
      kernelGroupsNotRequired: defaultKernelGroups.filter((g) => !o.requireKernel.includes(g)),
      // Built from the cache alone: the stage as cached, no archive asked (inputs.stageKey).
      offline: o.offline,
    },
    ...(ctx.base
      ? {
          base: baseManifest(
            ctx.base,
            ctx.baseRootGrownBytes,
            ctx.baseDockerFrom ??
              (ctx.baseInstall?.reused ? ctx.baseInstall.entry.dockerFrom : undefined),
            ctx.baseInstall && {
              key: ctx.baseInstall.key,
              ...(ctx.baseInstall.reused ? { reusedFrom: ctx.baseInstall.entry.key } : {}),
            },
          ),
        }
      : {}),
    kernel: ctx.kernel ?? null,
    slim: ctx.slim ? slimRecord(ctx.slim, ctx.bootLinks) : null,
    layout: ctx.layout
      ? {
          diskId: ctx.layout.diskId,
          rootUuid: ctx.layout.rootUuid,
          partitions: [
            {
              n: 1,
              label: 'bootfs',
              type: 'fat32',
              offsetBytes: ctx.layout.boot.offsetBytes,
              sizeBytes: ctx.layout.boot.sizeBytes,
            },
            {
              n: 2,
              label: 'rootfs',
              type: 'ext4',
              offsetBytes: ctx.layout.root.offsetBytes,
              sizeBytes: ctx.layout.root.sizeBytes,
            },
          ],
          imageBytes: ctx.layout.totalBytes,
        }
      : null,
    piModels: (ctx.piModels ?? []).map((v) => ({
      model: v.id,
      name: v.name,
      claimed: v.claimed,
      boots: v.boots,
      missing: v.missing,
    })),
    bootChain: ctx.bootChain ? manifestBootChain(ctx.bootChain) : null,
    docker: { tcp: 2376, tlsverify: true, insecureTcp2375: o.insecureTcp },
    packages: ctx.packages ?? [],
    artifacts: artifacts.map((a) => ({
      file: basename(a.path),
      kind: a.kind,
      bytes: a.bytes,
      sha256: a.sha256,
    })),
  };
}
