/**
 * Which Raspberry Pi models a boot partition can boot, from pi-models.json: the firmware files,
 * the device tree under the name the firmware looks for, the kernel and initramfs config.txt
 * names, root= in cmdline.txt against the partition table, and (Pi 5) the kernel drivers. Pure:
 * the caller reads the partition (src/image/boot-facts.ts) and passes what it found.
 */
import data from './pi-models.json' with { type: 'json' };
import { parseConfigTxt, settingsFor } from './config-txt.js';

export interface KernelOptionRule {
  option: string;
  why: string;
}

export interface PiModel {
  id: string;
  name: string;
  /** armada says it boots this model: the build fails when it cannot. */
  claimed: boolean;
  /** config.txt section filters that apply to this model ([pi4], [cm4], …). */
  filters: string[];
  firmware: string[];
  /** The device tree the firmware loads with upstream_kernel=1 (or that config.txt must name). */
  dtb: string;
  /** The firmware does not find `dtb` by itself: config.txt must say device_tree=<dtb>. */
  deviceTreeSetting?: boolean;
  /** Kernel file names the firmware tries when config.txt has no kernel=. */
  defaultKernel: string[];
  kernelOptions?: KernelOptionRule[];
  /** Why armada does not claim the model (shown with the verdict). */
  unsupported?: string;
  why: string;
}

export const piModels: readonly PiModel[] = data.models;

export interface BootFacts {
  /** Every path on the FAT partition, with a leading '/'; FAT names compare without case. */
  files: readonly string[];
  /** config.txt's text; undefined when there is none. */
  configTxt: string | undefined;
  /** Text of each command-line file config.txt can name, by lower-case FAT path ('/cmdline.txt'). */
  cmdlines: Readonly<Record<string, string>>;
  table: {
    label: 'dos' | 'gpt';
    /** MBR disk id, 8 lower-case hex digits (GPT: the disk GUID). */
    id: string;
    partitions: readonly { index: number; uuid?: string; linux: boolean }[];
  };
  /** The kernel's config values (CONFIG_ prefix dropped); undefined when it could not be read. */
  kernelConfig?: ReadonlyMap<string, string>;
  /** 'arm64' when the kernel is 64-bit (then config.txt must say arm_64bit=1). */
  kernelArch?: string;
  /** armada's own images need their initramfs (the SD and USB drivers are modules). */
  requireInitramfs?: boolean;
}

export interface ModelVerdict {
  id: string;
  name: string;
  claimed: boolean;
  boots: boolean;
  /** Each thing the model needs that is not there, in words that name the fix. */
  missing: string[];
  unsupported?: string;
}

const stripSlash = (p: string) => p.replace(/^\/+/, '');

/** root= from a kernel command line, checked against the partition table. */
export function rootProblem(cmdline: string, table: BootFacts['table']): string | undefined {
  const root = /(?:^|\s)root=(\S+)/.exec(cmdline)?.[1];
  if (!root) return 'root= in cmdline.txt (the kernel would not know its root filesystem)';
  const partuuid = /^PARTUUID=(\S+)$/i.exec(root)?.[1]?.toLowerCase();
  if (partuuid) {
    if (table.label === 'dos') {
      const m = /^([0-9a-f]{8})-([0-9a-f]{2})$/.exec(partuuid);
      if (!m) return `a valid root=PARTUUID=<disk id>-NN in cmdline.txt (it says ${root})`;
      if (m[1] !== table.id)
        return `root=PARTUUID=${partuuid} in cmdline.txt names disk id ${m[1]}, but the disk id is ${table.id}`;
      const p = table.partitions.find((x) => x.index === parseInt(m[2], 16));
      if (!p) return `partition ${parseInt(m[2], 16)} named by root=PARTUUID=${partuuid}`;
      if (!p.linux) return `a Linux root filesystem on partition ${p.index} (root=${root})`;
      return undefined;
    }
    const p = table.partitions.find((x) => x.uuid?.toLowerCase() === partuuid);
    return p ? undefined : `the partition named by root=PARTUUID=${partuuid} in cmdline.txt`;
  }
  const dev = /^\/dev\/mmcblk0p(\d+)$/.exec(root);
  if (dev) {
    const p = table.partitions.find((x) => x.index === Number(dev[1]));
    return p?.linux ? undefined : `a Linux root filesystem on partition ${dev[1]} (root=${root})`;
  }
  // LABEL=, UUID= and the like name the filesystem, which this check does not read.
  return undefined;
}

function checkModel(model: PiModel, facts: BootFacts): ModelVerdict {
  const names = new Set(facts.files.map((f) => stripSlash(f).toLowerCase()));
  const has = (name: string) => names.has(stripSlash(name).toLowerCase());
  const missing: string[] = [];

  for (const f of model.firmware) if (!has(f)) missing.push(`${f} (firmware)`);

  if (facts.configTxt === undefined) {
    missing.push('config.txt');
  } else {
    const settings = settingsFor(parseConfigTxt(facts.configTxt), model.filters);
    if (facts.kernelArch === 'arm64' && settings.get('arm_64bit') !== '1')
      missing.push('arm_64bit=1 in config.txt (the kernel is 64-bit)');

    const dt = settings.get('device_tree');
    if (model.deviceTreeSetting && dt === undefined)
      missing.push(
        `device_tree=${model.dtb} in a [${model.filters.at(-1)}] section of config.txt (the firmware does not pick this device tree by itself)`,
      );
    const dtb = dt || model.dtb;
    if (!has(dtb)) missing.push(`${dtb} (device tree)`);

    const kernel = settings.get('kernel');
    if (kernel !== undefined) {
      if (!has(kernel)) missing.push(`${kernel} (the kernel config.txt names)`);
    } else if (!model.defaultKernel.some(has)) {
      missing.push(`${model.defaultKernel.join(' or ')} (no kernel= in config.txt)`);
    }

    const initramfs = settings.get('initramfs');
    if (initramfs !== undefined) {
      if (!has(initramfs)) missing.push(`${initramfs} (the initramfs config.txt names)`);
    } else if (facts.requireInitramfs) {
      missing.push('an initramfs line in config.txt (the kernel needs its initramfs)');
    }

    const cmdlineFile = `/${stripSlash(settings.get('cmdline') ?? 'cmdline.txt').toLowerCase()}`;
    const cmdline = facts.cmdlines[cmdlineFile];
    if (cmdline === undefined) missing.push(stripSlash(cmdlineFile));
    else {
      const problem = rootProblem(cmdline, facts.table);
      if (problem) missing.push(problem);
    }
  }

  for (const rule of model.kernelOptions ?? []) {
    if (!facts.kernelConfig) {
      missing.push(`a readable kernel config (to check CONFIG_${rule.option}: ${rule.why})`);
      break;
    }
    const v = facts.kernelConfig.get(rule.option);
    if (v !== 'y' && v !== 'm') missing.push(`kernel option CONFIG_${rule.option} (${rule.why})`);
  }

  return {
    id: model.id,
    name: model.name,
    claimed: model.claimed,
    boots: missing.length === 0,
    missing,
    ...(model.unsupported ? { unsupported: model.unsupported } : {}),
  };
}

export function checkPiModels(
  facts: BootFacts,
  models: readonly PiModel[] = piModels,
): ModelVerdict[] {
  return models.map((m) => checkModel(m, facts));
}

/** Claimed models that cannot boot, as one line each: what the build fails with. */
export function claimedGaps(verdicts: readonly ModelVerdict[]): string[] {
  return verdicts
    .filter((v) => v.claimed && !v.boots)
    .map((v) => `${v.name}: missing ${v.missing.join('; ')}`);
}

/**
 * What flash and inspect warn about: each model the image cannot boot, and why, in one line
 * (kernel options by name only; the verdict's `missing` keeps what each one is for).
 */
export function cannotBootWarnings(verdicts: readonly ModelVerdict[]): string[] {
  return verdicts
    .filter((v) => !v.boots)
    .map((v) => {
      const options = v.missing.flatMap((m) => /^kernel option (CONFIG_\w+)/.exec(m)?.[1] ?? []);
      const other = v.missing.filter((m) => !m.startsWith('kernel option '));
      const why = [
        ...other,
        ...(options.length ? [`its kernel lacks ${options.join(', ')}`] : []),
      ].join('; ');
      return `this image cannot boot a ${v.name}: ${why}${v.unsupported ? ' (see docs/pi-models.md)' : ''}`;
    });
}
