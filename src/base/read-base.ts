/**
 * A base image read without mounting (sfdisk --json, mtools @@offset, debugfs ?offset=): its
 * partitions, the facts plan-base.ts needs, and every kernel's config checked per board family.
 */
import { UserError } from '../errors.js';
import { run } from '../exec.js';
import { debugfsCommand, type Ext4Volume } from '../image/debugfs.js';
import { listExt4, readExt4, statExt4 } from '../image/ext4.js';
import { listFat, readFat, type FatVolume } from '../image/fat.js';
import type { Partition, PartitionTable } from '../image/partition-table.js';
import { readAt } from '../image/read-at.js';
import { readPartitionTable } from '../image/read-partition-table.js';
import { checkKernelConfig, parseKernelConfig } from '../kernel/index.js';
import { extractConfig } from '../kernel/extract.js';
import { sniff } from '../source/magic.js';
import { BadBaseError, BaseKernelError } from './errors.js';
import { planBase, type BaseFacts, type BasePlan } from './plan-base.js';
import type { KernelPairing } from './plan-kernels.js';
import { dpkgArch, parseExt4Stats, type Ext4Stats } from './plan-source.js';
import { styleRootPaths } from './plan-style.js';

export interface BaseKernel {
  file: string;
  family: string;
  boards: string;
  release?: string;
  /** Where the config was read (`p2:/boot/config-…`). */
  configFile?: string;
  ok: boolean;
  /** CONFIG_ names a required group lacks; or why the kernel could not be checked. */
  missing: string[];
  problem?: string;
}

export interface BaseImage {
  image: string;
  table: PartitionTable;
  boot: Partition;
  root: Partition & { fs: Ext4Stats };
  arch: string;
  facts: BaseFacts;
  plan: BasePlan;
  kernels: BaseKernel[];
}

async function partitionsOf(base: string, image: string): Promise<PartitionTable> {
  try {
    return await readPartitionTable(image);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    throw new BadBaseError(
      base,
      'not a disk image (no partition table); give a Raspberry Pi OS .img, .img.xz or .zip',
    );
  }
}

async function findVolumes(base: string, image: string, table: PartitionTable) {
  const kinds = await Promise.all(
    table.partitions.map(async (p) => ({ p, fs: sniff(await readAt(image, p.offsetBytes, 2048)) })),
  );
  const boot = kinds.find((k) => k.fs === 'fat')?.p;
  const root = kinds.find((k) => k.fs === 'ext' && (!boot || k.p.index > boot.index))?.p;
  if (!boot)
    throw new BadBaseError(base, 'no FAT boot partition; is it a Raspberry Pi OS image?', [
      `partitions: ${kinds.map((k) => `p${k.p.index} ${k.fs}`).join(', ') || 'none'}`,
    ]);
  if (!root)
    throw new BadBaseError(base, 'no ext4 root filesystem after the boot partition', [
      `partitions: ${kinds.map((k) => `p${k.p.index} ${k.fs}`).join(', ')}`,
    ]);
  // The new table has these two partitions only, and the root may grow into what follows it.
  const others = table.partitions.filter((p) => p !== boot && p !== root);
  if (others.length)
    throw new BadBaseError(
      base,
      `armada customises images with two partitions (boot and root, as Raspberry Pi OS has); this one also has ${others.map((p) => `p${p.index}`).join(', ')}`,
    );
  return { boot, root };
}

async function ext4Stats(base: string, v: Ext4Volume): Promise<Ext4Stats> {
  const r = await run(debugfsCommand(v, 'stats'), { allowFailure: true });
  const stats = r.exitCode === 0 ? parseExt4Stats(r.stdout) : undefined;
  if (!stats)
    throw new BadBaseError(base, 'the root filesystem cannot be read (a truncated image?)', [
      r.stderr.trim().split('\n').slice(-2).join(' '),
    ]);
  return stats;
}

async function releasesOf(v: Ext4Volume): Promise<string[]> {
  const found = new Set<string>();
  for (const dir of ['/usr/lib/modules', '/lib/modules'])
    for (const n of (await listExt4(v, dir)) ?? []) found.add(n);
  for (const n of (await listExt4(v, '/boot')) ?? [])
    if (n.startsWith('config-')) found.add(n.slice('config-'.length));
  return [...found].sort();
}

/** The config of one release: /boot/config-*, else configs.ko(.xz) beside its modules. */
async function configOf(v: Ext4Volume, release: string) {
  const places = [
    `/boot/config-${release}`,
    ...['/usr/lib/modules', '/lib/modules'].flatMap((m) =>
      ['', '.xz', '.zst', '.gz'].map((z) => `${m}/${release}/kernel/kernel/configs.ko${z}`),
    ),
  ];
  for (const place of places) {
    const data = await readExt4(v, place);
    if (!data) continue;
    const extracted = await extractConfig(data, `p2:${place}`);
    return { file: `p2:${place}`, config: parseKernelConfig(extracted.text) };
  }
  return undefined;
}

async function checkKernel(
  v: Ext4Volume,
  pairing: KernelPairing,
  cmdline: string,
  require: readonly string[],
): Promise<BaseKernel> {
  const head = { file: pairing.file, family: pairing.info.family, boards: pairing.info.boards };
  if (!pairing.ok) return { ...head, ok: false, missing: [], problem: pairing.reason };
  const found = await configOf(v, pairing.release);
  if (!found)
    return {
      ...head,
      release: pairing.release,
      ok: false,
      missing: [],
      problem: `no config for ${pairing.release} (neither /boot/config-${pairing.release} nor configs.ko)`,
    };
  const result = checkKernelConfig(found.config, { require, cmdline });
  return {
    ...head,
    release: pairing.release,
    configFile: found.file,
    ok: result.ok,
    missing: result.missingRequired.map((m) => `CONFIG_${m.option}`),
  };
}

export interface ReadBaseOptions {
  /** Kernel requirement groups beyond Docker's. */
  require?: readonly string[];
  /** Accept kernels that fail the check (recorded). */
  allowMissingKernelOptions?: boolean;
}

export async function readBase(
  base: string,
  image: string,
  o: ReadBaseOptions = {},
): Promise<BaseImage> {
  const table = await partitionsOf(base, image);
  const { boot, root } = await findVolumes(base, image, table);
  const fat: FatVolume = { path: image, offsetBytes: boot.offsetBytes };
  const ext: Ext4Volume = { path: image, offsetBytes: root.offsetBytes };
  const fs = await ext4Stats(base, ext);
  const bootFiles = (await listFat(fat, '/'))
    .map((p) => p.replace(/^\//, ''))
    .filter((p) => !p.includes('/'));
  const text = async (v: 'fat' | 'ext', path: string) =>
    (
      (v === 'fat' ? await readFat(fat, path) : await readExt4(ext, path)) ?? Buffer.alloc(0)
    ).toString('utf8');
  const cmdline = await text('fat', '/cmdline.txt');
  if (!cmdline.trim())
    throw new BadBaseError(
      base,
      'the boot partition has no cmdline.txt; is it a Raspberry Pi OS image?',
    );
  const rootPaths: string[] = [];
  for (const p of styleRootPaths) if (await statExt4(ext, p)) rootPaths.push(p);
  const facts: BaseFacts = {
    cmdline,
    configTxt: await text('fat', '/config.txt'),
    bootFiles,
    rootPaths,
    kernelReleases: await releasesOf(ext),
    passwd: await text('ext', '/etc/passwd'),
    shadow: await text('ext', '/etc/shadow'),
  };
  const arch = dpkgArch(await text('ext', '/var/lib/dpkg/status'));
  if (!arch)
    throw new BadBaseError(
      base,
      'the root filesystem has no dpkg status for base-files; is it Debian-based?',
    );
  const plan = planBase(facts);
  if (!plan.kernels.length)
    throw new BadBaseError(base, 'the boot partition has no kernel (kernel*.img)');
  const kernels: BaseKernel[] = [];
  for (const k of plan.kernels)
    kernels.push(await checkKernel(ext, k, plan.cmdline.text, o.require ?? []));
  const bad = kernels.filter((k) => !k.ok);
  if (bad.length && !o.allowMissingKernelOptions)
    throw new BaseKernelError(
      `${base}: ${bad.length} of ${kernels.length} kernels cannot run Docker; no image was written`,
      bad.map(
        (k) =>
          `${k.file} (${k.boards}${k.release ? `, ${k.release}` : ''}): ${k.problem ?? `missing ${k.missing.join(', ')}`}`,
      ),
    );
  return { image, table, boot, root: { ...root, fs }, arch, facts, plan, kernels };
}
