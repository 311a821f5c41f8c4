/**
 * Everything armada changes in a base image, planned from what the reader found, and recorded
 * for manifest.json. Pure: steps apply it (src/build/steps/*-base*.ts).
 */
import { fixCmdline, type CmdlineFix } from './plan-cmdline.js';
import { lockKnownPasswords, type ShadowLock } from './plan-default-user.js';
import { kernelFiles, pairKernels, type KernelPairing } from './plan-kernels.js';
import {
  detectFirstBootStyle,
  planTakeover,
  type StyleDetection,
  type TakeoverPlan,
} from './plan-style.js';

export interface BaseFacts {
  /** cmdline.txt as the base has it. */
  cmdline: string;
  configTxt: string;
  /** Names at the top of the FAT partition. */
  bootFiles: readonly string[];
  /** Which of plan-style's marker paths exist in the root filesystem. */
  rootPaths: readonly string[];
  /** /lib/modules/* and /boot/config-* releases. */
  kernelReleases: readonly string[];
  passwd: string;
  shadow: string;
}

export interface Change {
  where: 'bootfs' | 'rootfs';
  path: string;
  what: string;
}

export interface BasePlan {
  detection: StyleDetection;
  cmdline: CmdlineFix;
  takeover: TakeoverPlan;
  kernels: KernelPairing[];
  shadow: ShadowLock;
  /** Every change, in words, for the manifest and --dry-run. */
  changes: Change[];
}

export function planBase(f: BaseFacts): BasePlan {
  const detection = detectFirstBootStyle(f);
  const cmdline = fixCmdline(f.cmdline);
  const takeover = planTakeover(detection, f.bootFiles);
  const kernels = pairKernels(kernelFiles(f.bootFiles, f.configTxt), f.kernelReleases);
  const shadow = lockKnownPasswords(f.shadow, f.passwd);
  const changes: Change[] = [];
  if (cmdline.removed.length || cmdline.added.length)
    changes.push({
      where: 'bootfs',
      path: '/cmdline.txt',
      what: [
        ...(cmdline.added.length ? [`added ${cmdline.added.join(' ')}`] : []),
        ...(cmdline.removed.length ? [`removed ${cmdline.removed.join(' ')}`] : []),
      ].join('; '),
    });
  for (const b of takeover.deleteBootFiles)
    changes.push({
      where: 'bootfs',
      path: `/${b}`,
      what: `deleted (${detection.style} first-boot input)`,
    });
  for (const r of takeover.rootFiles)
    changes.push({ where: 'rootfs', path: r.path, what: 'written (disables cloud-init)' });
  for (const u of takeover.maskUnits)
    changes.push({
      where: 'rootfs',
      path: `/etc/systemd/system/${u}`,
      what: 'masked (armada-firstboot does its work)',
    });
  for (const l of shadow.locked)
    changes.push({
      where: 'rootfs',
      path: '/etc/shadow',
      what: `password of ${l.user} locked (${l.why})`,
    });
  return { detection, cmdline, takeover, kernels, shadow, changes };
}
