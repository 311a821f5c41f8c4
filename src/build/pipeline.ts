/**
 * The build, composed. Each step is one file in steps/, named by its verb. Steps report through
 * src/progress.ts; the CLI renders them (listr2), a library caller may run them with runSteps.
 */
import type { Step } from '../progress.js';
import type { BuildContext } from './context.js';
import type { BuildOptions } from './options.js';
import { checkHost } from './steps/check-host.js';
import { findStage } from './steps/find-stage.js';
import { checkPackages } from './steps/check-packages.js';
import { refreshStage } from './steps/refresh-stage.js';
import { bootstrapRootfs } from './steps/bootstrap-rootfs.js';
import { copyRootfs } from './steps/copy-rootfs.js';
import { slimRootfs } from './steps/slim-rootfs.js';
import { verifyKernelConfig } from './steps/verify-kernel-config.js';
import { configureDocker } from './steps/configure-docker.js';
import { installFirstBoot } from './steps/install-firstboot.js';
import { inventoryPackages } from './steps/inventory-packages.js';
import { stripIdentity } from './steps/strip-identity.js';
import { assembleImage } from './steps/assemble-image.js';
import { planFirstBoot } from '../firstboot/plan.js';
import { verifyBootFiles } from './steps/verify-boot-files.js';
import { proveBootChain } from './steps/prove-boot-chain.js';
import { writeArtifacts } from './steps/write-artifacts.js';
import type { BaseOptions } from '../base/opened.js';
import { openBase } from './steps/open-base.js';
import { extractBaseRootfs } from './steps/extract-base-rootfs.js';
import { findInstalledBase } from './steps/find-installed-base.js';
import { takeOverFirstBoot } from './steps/take-over-first-boot.js';
import { installDocker } from './steps/install-docker.js';
import { assembleBaseImage } from './steps/assemble-base-image.js';

/**
 * Where the root filesystem comes from. It runs before the build's time is known: without
 * SOURCE_DATE_EPOCH that time is the stage's own (plan-epoch.ts), and imagePipeline gets it.
 */
export function stagePipeline(o: BuildOptions): Step<BuildContext>[] {
  // Rendered once here, at the start, so that a bad template fails the build before the
  // bootstrap; imagePipeline renders them again with the build's time.
  planFirstBoot({ armadaVersion: o.armadaVersion, insecureTcp: o.insecureTcp });
  return [checkHost(o), findStage(o), checkPackages(o), refreshStage(o), bootstrapRootfs(o)];
}

/** The image from the stage, stamped with `buildTime` (o.sourceDateEpoch when it is set). */
export function imagePipeline(o: BuildOptions, buildTime: Date): Step<BuildContext>[] {
  const firstBoot = planFirstBoot({
    armadaVersion: o.armadaVersion,
    insecureTcp: o.insecureTcp,
    builtAt: buildTime.toISOString(),
  });
  return [
    copyRootfs(o),
    slimRootfs(o),
    verifyKernelConfig(o),
    configureDocker(o, firstBoot, buildTime),
    installFirstBoot(firstBoot, buildTime),
    inventoryPackages(),
    stripIdentity(),
    assembleImage(o, buildTime),
    verifyBootFiles(o),
    proveBootChain(),
    writeArtifacts(o, buildTime),
  ];
}

/**
 * build --base: a Raspberry Pi OS image customised into the same artifacts, with the same first
 * boot, TLS and Docker configuration as a from-scratch build (docs/base-images.md).
 */
export function basePipeline(
  o: BuildOptions,
  b: BaseOptions,
  buildTime: Date,
): Step<BuildContext>[] {
  const firstBoot = planFirstBoot({
    armadaVersion: o.armadaVersion,
    insecureTcp: o.insecureTcp,
    builtAt: buildTime.toISOString(),
  });
  return [
    openBase(b, o),
    findInstalledBase(b, o),
    extractBaseRootfs(),
    takeOverFirstBoot(buildTime),
    installDocker(b, o),
    configureDocker(o, firstBoot, buildTime),
    installFirstBoot(firstBoot, buildTime),
    inventoryPackages(),
    stripIdentity(),
    assembleBaseImage(o, buildTime),
    writeArtifacts(o, buildTime),
  ];
}
