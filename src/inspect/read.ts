/**
 * Reads an image file or card for `armada inspect`, without mounting: the partition table
 * (sfdisk), filesystem labels (their superblocks), the FAT through mtools, the ext4 root through
 * debugfs, the kernel through src/kernel. Each part that cannot be read becomes a warning, so
 * one damaged piece does not hide the rest.
 */
import { open, readFile, realpath, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { UserError } from '../errors.js';
import { imageChainSource } from '../boot-chain/image-source.js';
import { proveFromSource } from '../boot-chain/read.js';
import { claimedChainGaps } from '../boot-chain/models.js';
import { readBootFacts, type BootPartitionFacts } from '../image/boot-facts.js';
import type { Ext4Volume } from '../image/debugfs.js';
import { listExt4, readExt4 } from '../image/ext4.js';
import { readFat, type FatVolume } from '../image/fat.js';
import { isFatPartition, type PartitionTable } from '../image/partition-table.js';
import { checkPiModels, cannotBootWarnings } from '../image/pi-models.js';
import { readAt } from '../image/read-at.js';
import { readPartitionTable } from '../image/read-partition-table.js';
import { checkKernelConfig, readKernelConfig, summaryLine } from '../kernel/index.js';
import type { KernelConfig } from '../kernel/index.js';
import { sniff, sniffBytes } from '../source/magic.js';
import {
  filesystemOf,
  kernelVersions,
  packageVersions,
  parseDpkgStatus,
  parseFirstBootStatus,
  parseImageEnv,
  parseOsRelease,
  summariseSeed,
} from './parse.js';
import type { InspectReport, InspectedPartition, KernelCheckSummary } from './types.js';

const compressedHint = (t: string, what: string, tool: string) =>
  new UserError(
    `${t} is a compressed image (${what}); decompress it first ('${tool} ${t}') and inspect the .img, or write it to a card with 'armada flash'`,
  );

/** One clear line for anything that is not a readable disk image or card. */
async function assertDiskImage(
  target: string,
): Promise<{ kind: 'image' | 'device'; size: number }> {
  const s = await stat(target).catch((error: { code?: string }) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR')
      throw new UserError(
        `${target}: no such file or device; give an image file or a card (see 'armada drives')`,
      );
    throw error;
  });
  if (s.isDirectory())
    throw new UserError(`${target} is a directory; give an image file (.img) or a card's device`);
  if (!s.isFile() && !s.isBlockDevice())
    throw new UserError(`${target} is neither an image file nor a block device`);
  const kind = s.isBlockDevice() ? 'device' : 'image';
  const head = await readAt(target, 0, sniffBytes);
  if (head.length === 0)
    throw new UserError(
      `${target} is empty${kind === 'device' ? ' (no card in the reader?)' : ''}`,
    );
  const format = sniff(head);
  if (format === 'xz') throw compressedHint(target, 'xz', 'xz -dk');
  if (format === 'gzip') throw compressedHint(target, 'gzip', 'gunzip -k');
  if (format === 'zstd') throw compressedHint(target, 'zstd', 'zstd -d');
  if (format === 'zip') throw compressedHint(target, 'zip', 'unzip');
  if (format === 'bzip2') throw compressedHint(target, 'bzip2', 'bunzip2 -k');
  if (format === 'fat' || format === 'ext')
    throw new UserError(
      `${target} is a bare ${format === 'fat' ? 'FAT' : 'ext4'} filesystem, not a whole disk image; give the .img or the card (e.g. /dev/sdX, not /dev/sdX1)`,
    );
  if (format !== 'mbr' && format !== 'gpt')
    throw new UserError(
      `${target} is not a disk image (no MBR or GPT partition table); give an .img file or a card's device`,
    );
  const size = kind === 'device' ? await deviceSize(target) : s.size;
  return { kind, size };
}

async function deviceSize(path: string): Promise<number> {
  // stat() says 0 for block devices; Linux keeps the size in sectors in sysfs.
  const name = basename(await realpath(path));
  const sectors = await readFile(`/sys/class/block/${name}/size`, 'utf8').catch(() => undefined);
  if (sectors !== undefined) return Number(sectors.trim()) * 512;
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    return size;
  } finally {
    await fh.close();
  }
}

async function partitions(target: string, table: PartitionTable): Promise<InspectedPartition[]> {
  const out: InspectedPartition[] = [];
  for (const p of table.partitions) {
    const fs = filesystemOf(await readAt(target, p.offsetBytes, 2048));
    out.push({
      n: p.index,
      type: p.type,
      bootable: p.bootable,
      offsetBytes: p.offsetBytes,
      sizeBytes: p.sizeBytes,
      ...(fs ?? {}),
    });
  }
  return out;
}

async function text(read: Promise<Buffer | undefined>): Promise<string | undefined> {
  return (await read.catch(() => undefined))?.toString('utf8');
}

async function kernelCheck(
  target: string,
): Promise<{ summary: KernelCheckSummary | { error: string }; config?: KernelConfig }> {
  try {
    const src = await readKernelConfig(target);
    const result = checkKernelConfig(src.config, {
      ...(src.cmdline ? { cmdline: src.cmdline.text } : {}),
    });
    const version = result.kernelVersion ?? src.version;
    return {
      summary: {
        ok: result.ok,
        ...(version ? { version } : {}),
        file: src.file,
        summary: summaryLine(result),
        missingRequired: result.missingRequired.map((m) => `CONFIG_${m.option}`),
      },
      config: src.config,
    };
  } catch (error) {
    return { summary: { error: (error as Error).message } };
  }
}

export async function inspectTarget(target: string): Promise<InspectReport> {
  const { kind, size } = await assertDiskImage(target);
  const table = await readPartitionTable(target);
  const parts = await partitions(target, table);
  const warnings: string[] = [];

  const boot = table.partitions.find(isFatPartition);
  let facts: BootPartitionFacts | undefined;
  if (boot) facts = await readBootFacts(target, table);
  else warnings.push('no FAT boot partition: this is not a Raspberry Pi image');

  const rootPart = parts.find((p) => p.fs?.startsWith('ext'));
  const root: Ext4Volume | undefined = rootPart
    ? { path: target, offsetBytes: rootPart.offsetBytes }
    : undefined;
  if (!root) warnings.push('no ext4 root filesystem found');
  const ext = (path: string) => (root ? text(readExt4(root, path)) : Promise.resolve(undefined));
  // /etc/os-release is a symlink into /usr/lib on Debian, and debugfs does not follow it.
  const osText = (await ext('/usr/lib/os-release')) ?? (await ext('/etc/os-release'));
  const os = osText ? (parseOsRelease(osText) ?? null) : null;
  const installed = parseDpkgStatus((await ext('/var/lib/dpkg/status')) ?? '');
  const bootNames = root ? ((await listExt4(root, '/boot').catch(() => [])) ?? []) : [];
  const imageEnv = await ext('/etc/armada/image.env');

  const kernel = await kernelCheck(target);
  const piModels = facts
    ? checkPiModels({
        ...facts,
        ...(kernel.config ? { kernelConfig: kernel.config.values } : {}),
        ...(kernel.config?.arch ? { kernelArch: kernel.config.arch } : {}),
        // armada's images load their SD and USB drivers from the initramfs.
        requireInitramfs: imageEnv !== undefined,
      })
    : [];
  warnings.push(...cannotBootWarnings(piModels));
  const bootChain: InspectReport['bootChain'] = facts
    ? await imageChainSource(target)
        .then(proveFromSource)
        .catch((error: unknown) => ({ error: (error as Error).message }))
    : { error: 'no FAT boot partition' };
  // Only armada's own images claim models; another image's kernel may not mean to boot them.
  if (imageEnv !== undefined && !('error' in bootChain))
    warnings.push(...claimedChainGaps(bootChain).map((g) => `boot chain not proven: ${g}`));

  let seed: InspectReport['seed'] = null;
  let firstBoot: InspectReport['firstBoot'] = null;
  if (boot && facts) {
    const fat: FatVolume = { path: target, offsetBytes: boot.offsetBytes };
    const byLower = new Map(facts.files.map((f) => [f.toLowerCase(), f]));
    const fatText = (p: string) => {
      const real = byLower.get(p.toLowerCase());
      return real ? text(readFat(fat, real)) : Promise.resolve(undefined);
    };
    // mdir lists directories too (with a trailing '/'); the seed is its files.
    const seedFiles = facts.files.filter(
      (f) => f.toLowerCase().startsWith('/armada/') && !f.endsWith('/'),
    );
    const status = await fatText('/armada/status.json');
    const seedOnly = seedFiles.filter((f) => !/^\/armada\/(status\.json|client\/)/i.test(f));
    if (seedOnly.length) {
      const read: Parameters<typeof summariseSeed>[1] = {};
      const env = await fatText('/armada/seed.env');
      const keys = await fatText('/armada/authorized_keys');
      const ca = await fatText('/armada/tls/ca.pem');
      const server = await fatText('/armada/tls/server.pem');
      if (env !== undefined) read.seedEnv = env;
      if (keys !== undefined) read.authorizedKeys = keys;
      if (ca !== undefined) read.caPem = ca;
      if (server !== undefined) read.serverPem = server;
      seed = summariseSeed(seedFiles, read);
    }
    if (status !== undefined) firstBoot = parseFirstBootStatus(status);
  }

  return {
    target,
    kind,
    sizeBytes: size,
    layout: { label: table.label, diskId: table.id, partitions: parts },
    os,
    armada: imageEnv !== undefined ? parseImageEnv(imageEnv) : null,
    kernels: kernelVersions(bootNames, installed),
    kernelCheck: kernel.summary,
    packages: packageVersions(installed),
    piModels,
    bootChain,
    seed,
    firstBoot,
    warnings,
  };
}
