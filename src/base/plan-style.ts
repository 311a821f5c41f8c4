/**
 * Which first-boot machinery a Raspberry Pi OS base carries, and how armada takes it over. Pure:
 * the facts come from the reader (src/base/read-base.ts), the changes are applied by a step.
 *
 * Decision (docs/base-images.md): armada DISABLES the base's own first boot instead of driving
 * it. One owner of the first boot keeps the story the same as a from-scratch image: the seed that
 * `flash`/`configure` write into `armada/` is read by armada-firstboot, which also grows the root
 * filesystem, makes the SSH host keys and the TLS material. Driving the base's machinery as well
 * would set users, host names and keys twice, in an order that differs per release.
 */
import { splitCmdline } from '../kernel/check.js';

export type FirstBootStyle = 'sys-mods' | 'cloud-init' | 'none';

/** What the reader found; names as they are on the FAT partition (no leading '/'). */
export interface StyleFacts {
  cmdline: string;
  bootFiles: readonly string[];
  /** Which of `styleMarkers.rootPaths` exist in the root filesystem. */
  rootPaths: readonly string[];
}

/**
 * The markers of each style, shaped by the releases: Bullseye and Bookworm boot once through
 * `init=` (raspi-config's init_resize.sh, then raspberrypi-sys-mods' firstboot) and take the user
 * from `userconf.txt` (userconf-pi) or rpi-imager's `firstrun.sh`; Trixie's cloud-init reads
 * `user-data`/`meta-data`/`network-config` from the boot partition (NoCloud).
 */
export const styleMarkers = {
  'sys-mods': {
    initHooks: ['/usr/lib/raspberrypi-sys-mods/firstboot', '/usr/lib/raspi-config/init_resize.sh'],
    bootFiles: ['userconf.txt', 'userconf', 'firstrun.sh'],
    rootPaths: [
      '/usr/lib/raspberrypi-sys-mods/firstboot',
      '/usr/lib/raspi-config/init_resize.sh',
      '/usr/lib/userconf-pi/userconf',
    ],
    // Units that would redo what armada-firstboot does (user, host keys, root growth).
    units: ['userconfig.service', 'regenerate_ssh_host_keys.service', 'resize2fs_once.service'],
  },
  'cloud-init': {
    bootFiles: ['user-data', 'meta-data', 'network-config'],
    rootPaths: ['/etc/cloud/cloud.cfg', '/usr/bin/cloud-init'],
  },
} as const;

/** Every root path the reader should look for. */
export const styleRootPaths: readonly string[] = [
  ...styleMarkers['sys-mods'].rootPaths,
  ...styleMarkers['cloud-init'].rootPaths,
];

export interface StyleDetection {
  style: FirstBootStyle;
  /** Why, per machinery found (a base may carry both: the leftovers are disabled too). */
  evidence: { 'sys-mods': string[]; 'cloud-init': string[] };
}

const lower = (names: readonly string[]) => new Set(names.map((n) => n.toLowerCase()));

export function detectFirstBootStyle(f: StyleFacts): StyleDetection {
  const tokens = splitCmdline(f.cmdline);
  const boot = lower(f.bootFiles);
  const root = new Set(f.rootPaths);
  const m = styleMarkers;
  const sysMods = [
    ...tokens.filter((t) => m['sys-mods'].initHooks.some((h) => t === `init=${h}`)),
    ...tokens.filter((t) => t.startsWith('systemd.run=')),
    ...m['sys-mods'].bootFiles.filter((n) => boot.has(n)).map((n) => `boot:${n}`),
    ...m['sys-mods'].rootPaths.filter((p) => root.has(p)).map((p) => `root:${p}`),
  ];
  const cloudInit = [
    ...tokens.filter((t) => t.startsWith('ds=nocloud')),
    ...m['cloud-init'].bootFiles.filter((n) => boot.has(n)).map((n) => `boot:${n}`),
    ...m['cloud-init'].rootPaths.filter((p) => root.has(p)).map((p) => `root:${p}`),
  ];
  // cloud-init wins when both are there: it is the newer releases' machinery, and a Trixie
  // image still carries raspberrypi-sys-mods.
  const style: FirstBootStyle = cloudInit.length
    ? 'cloud-init'
    : sysMods.length
      ? 'sys-mods'
      : 'none';
  return { style, evidence: { 'sys-mods': sysMods, 'cloud-init': cloudInit } };
}

/** What disabling the detected machinery takes, outside cmdline.txt (plan-cmdline.ts). */
export interface TakeoverPlan {
  /** FAT files to delete (the base's first-boot input, which nothing reads any more). */
  deleteBootFiles: string[];
  /** Root files to write (cloud-init's documented off switch). */
  rootFiles: { path: string; mode: number; content: string }[];
  /** systemd units masked (symlinked to /dev/null) in /etc/systemd/system. */
  maskUnits: string[];
}

export function planTakeover(d: StyleDetection, bootFiles: readonly string[]): TakeoverPlan {
  const present = (names: readonly string[]) =>
    bootFiles.filter((b) => names.includes(b.toLowerCase()));
  const plan: TakeoverPlan = { deleteBootFiles: [], rootFiles: [], maskUnits: [] };
  if (d.evidence['sys-mods'].length) {
    plan.deleteBootFiles.push(...present(styleMarkers['sys-mods'].bootFiles));
    plan.maskUnits.push(...styleMarkers['sys-mods'].units);
  }
  if (d.evidence['cloud-init'].length) {
    plan.deleteBootFiles.push(...present(styleMarkers['cloud-init'].bootFiles));
    plan.rootFiles.push({
      path: '/etc/cloud/cloud-init.disabled',
      mode: 0o644,
      content: 'armada-firstboot owns the first boot of this image (docs/base-images.md)\n',
    });
  }
  return plan;
}
