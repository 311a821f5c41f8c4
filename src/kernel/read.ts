/**
 * readKernelConfig(source): find and read the kernel config in whatever the user points at,
 * recognised by content: a config (plain or compressed), a kernel .deb, configs.ko(.xz), a
 * kernel image with IKCONFIG, a root filesystem directory, or a disk/filesystem image.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import type { Candidate } from './candidates.js';
import { parseKernelConfig, type KernelConfig } from './config.js';
import { readDebKernelFiles } from './deb.js';
import { diskImageCandidates } from './disk-image.js';
import { extractConfig, type ConfigKind } from './extract.js';
import { sniff, sniffBytes } from '../source/magic.js';
import { readFileHead } from '../source/read-head.js';
import { pickNewest } from './pick.js';
import { directoryCandidates, type Found } from './rootfs.js';

export type SourceKind = ConfigKind | 'deb' | 'rootfs' | 'disk-image' | 'fat-image' | 'ext4-image';

export interface KernelSource {
  /** What the user pointed at. */
  kind: SourceKind;
  /** The path given. */
  source: string;
  /** The file the config was read from: the source itself, or a path inside it ('p2:/boot/config-6.1.0-50-arm64'). */
  file: string;
  /** What that file is (a config inside a .deb, configs.ko inside a rootfs…). */
  fileKind: ConfigKind;
  /** From the config header; else from the file name; undefined when neither says. */
  version: string | undefined;
  config: KernelConfig;
  /** Other kernels found in the source, newest first (only the newest is checked). */
  others: string[];
  /** The kernel command line found beside the kernel (cmdline.txt), if any. */
  cmdline?: { file: string; text: string };
  /** Things worth telling (a newer kernel whose config could not be read). */
  warnings: string[];
}

// A kernel image is tens of MB; anything far bigger that is not a disk image is not a kernel.
const maxSingleFile = 512 * 1024 * 1024;

const head = (path: string) => readFileHead(path, sniffBytes);

async function statOrExplain(source: string) {
  try {
    return await stat(source);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new UserError(
        `${source}: no such file or directory; give a kernel config, .deb, configs.ko, kernel image, root filesystem directory or disk image`,
      );
    }
    throw error;
  }
}

async function fromCandidates(
  source: string,
  kind: SourceKind,
  found: Found,
): Promise<KernelSource> {
  const picked = await pickNewest(found.candidates, source);
  return {
    kind,
    source,
    file: picked.candidate.label,
    fileKind: picked.extracted.kind,
    version: picked.config.version ?? picked.candidate.version,
    config: picked.config,
    others: picked.others,
    ...(found.cmdline ? { cmdline: { file: found.cmdline.label, text: found.cmdline.text } } : {}),
    warnings: picked.warnings,
  };
}

async function fromDeb(source: string): Promise<KernelSource> {
  const files = await readDebKernelFiles(source);
  const candidates = files.map((f): Candidate => ({
    type: f.type,
    ...(f.version ? { version: f.version } : {}),
    label: f.name,
    load: () => Promise.resolve(f.data),
  }));
  if (!candidates.length) {
    throw new UserError(
      `${source}: this package holds no kernel (no boot/config-*, configs.ko or kernel image); is it a linux-image package?`,
    );
  }
  return fromCandidates(source, 'deb', { candidates });
}

/** The Pi firmware reads cmdline.txt next to the kernel on the FAT partition. */
async function siblingCmdline(source: string): Promise<KernelSource['cmdline']> {
  const file = join(dirname(source), 'cmdline.txt');
  const text = await readFile(file, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : { file, text };
}

export async function readKernelConfig(source: string): Promise<KernelSource> {
  const info = await statOrExplain(source);
  if (info.isDirectory())
    return fromCandidates(source, 'rootfs', await directoryCandidates(source));
  if (!info.isFile() && !info.isBlockDevice())
    throw new UserError(`${source}: not a regular file, device or directory`);
  if (info.isFile() && info.size === 0)
    throw new UserError(
      `${source} is empty; give a kernel config, .deb, configs.ko, kernel image or disk image`,
    );

  const format = sniff(await head(source));
  if (format === 'ar') return fromDeb(source);
  if (format === 'mbr' || format === 'gpt' || format === 'fat' || format === 'ext') {
    const kind: SourceKind =
      format === 'fat' ? 'fat-image' : format === 'ext' ? 'ext4-image' : 'disk-image';
    return fromCandidates(source, kind, await diskImageCandidates(source, format));
  }
  if (info.isBlockDevice())
    throw new UserError(
      `${source}: this device holds no partition table or filesystem armada can read`,
    );
  if (info.size > maxSingleFile)
    throw new UserError(
      `${source}: too large for a kernel or config (${info.size >> 20} MiB) and not a disk image`,
    );
  const extracted = await extractConfig(await readFile(source), source);
  const config = parseKernelConfig(extracted.text);
  const cmdline = extracted.kind === 'kernel-image' ? await siblingCmdline(source) : undefined;
  return {
    kind: extracted.kind,
    source,
    file: source,
    fileKind: extracted.kind,
    version: config.version,
    config,
    others: [],
    ...(cmdline ? { cmdline } : {}),
    warnings: [],
  };
}
