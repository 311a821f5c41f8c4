/**
 * Bytes of one file → the kernel config text inside, whatever wraps it: plain, gzip'd
 * (/proc/config.gz), xz/zstd, configs.ko(.xz), or a kernel image built with IKCONFIG.
 */
import { UserError } from '../errors.js';
import { DecompressError, decompress, decompressHead, type Compression } from './decompress.js';
import { IkconfigCorruptError } from './ikconfig.js';
import { configFromKernelImage } from './kernel-image.js';
import { sniff, sniffBytes, type Format } from '../source/magic.js';

export type ConfigKind =
  'config' | 'config.gz' | 'config.xz' | 'config.zst' | 'module' | 'kernel-image';

export interface Extracted {
  text: string;
  kind: ConfigKind;
}

const compressedKind: Record<Compression, ConfigKind> = {
  gzip: 'config.gz',
  xz: 'config.xz',
  zstd: 'config.zst',
};
const imageFormats = new Set<Format>(['zboot', 'arm64-image', 'zimage', 'bzimage']);
const containers: Partial<Record<Format, string>> = {
  ar: 'a .deb package',
  mbr: 'a disk image',
  gpt: 'a disk image',
  fat: 'a FAT filesystem',
  ext: 'an ext4 filesystem',
};

const notAKernel = (name: string) =>
  `${name}: not a kernel config, kernel package (.deb), configs.ko, kernel image, root filesystem directory or disk image`;

/** An ELF file with `.modinfo`/vermagic is a module (configs.ko); otherwise a vmlinux. */
function elfKind(bytes: Buffer): ConfigKind {
  return bytes.includes('vermagic=') || bytes.includes('.modinfo') ? 'module' : 'kernel-image';
}

async function fromImage(bytes: Buffer, name: string, kind: ConfigKind): Promise<Extracted> {
  let text: string | undefined;
  try {
    text = await configFromKernelImage(bytes);
  } catch (error) {
    if (error instanceof IkconfigCorruptError) throw new UserError(`${name}: ${error.message}`);
    throw error;
  }
  if (text !== undefined) return { text, kind };
  if (kind === 'module') {
    throw new UserError(
      `${name}: this kernel module holds no kernel config (IKCFG_ST); give configs.ko or the config file`,
    );
  }
  throw new UserError(
    `${name}: no kernel config inside this kernel image (built without CONFIG_IKCONFIG); check its config file instead (boot/config-<version> in the kernel's .deb or root filesystem)`,
  );
}

async function unwrap(bytes: Buffer, compression: Compression, name: string): Promise<Buffer> {
  // A compressed disk image (a release .img.xz) is GBs: recognise it from its first bytes.
  const head = sniff(await decompressHead(bytes, compression, sniffBytes));
  if (head === 'mbr' || head === 'gpt' || head === 'fat' || head === 'ext') {
    throw new UserError(
      `${name}: a compressed disk image (${compression}); decompress it first (${compression === 'gzip' ? 'gunzip' : compression} -dk) and check the .img`,
    );
  }
  try {
    return await decompress(bytes, compression);
  } catch (error) {
    if (!(error instanceof DecompressError)) throw error;
    if (error.reason === 'too-large') {
      throw new UserError(
        `${name}: ${error.message}; that is no kernel config, module or kernel image`,
      );
    }
    throw new UserError(
      `${name}: ${error.compression} data is ${error.reason}; copy or download the file again`,
    );
  }
}

/** The config in one file's bytes; every failure is a one-line UserError naming the file. */
export async function extractConfig(bytes: Buffer, name: string): Promise<Extracted> {
  const format = sniff(bytes);
  if (format === 'empty')
    throw new UserError(`${name} is empty; give a kernel config, .deb, configs.ko or kernel image`);
  if (format === 'config') return { text: bytes.toString('utf8'), kind: 'config' };
  if (format === 'gzip' || format === 'xz' || format === 'zstd') {
    const compression: Compression = format;
    const inner = await unwrap(bytes, compression, name);
    const innerFormat = sniff(inner);
    if (innerFormat === 'config') {
      return { text: inner.toString('utf8'), kind: compressedKind[compression] };
    }
    if (innerFormat === 'empty')
      throw new UserError(`${name}: the ${compression} data decompresses to nothing`);
    if (innerFormat === 'elf') return fromImage(inner, name, elfKind(inner));
    if (imageFormats.has(innerFormat)) return fromImage(inner, name, 'kernel-image');
    // A zip inside is as unknown as any other bytes: it may still hold IKCONFIG.
    if (innerFormat === 'unknown' || innerFormat === 'zip') return fromUnknown(inner, name);
    throw new UserError(notAKernel(name));
  }
  if (format === 'bzip2' || format === 'lz4') {
    throw new UserError(
      `${name}: ${format} data is not supported; decompress it first (${format} -d)`,
    );
  }
  if (format === 'elf') return fromImage(bytes, name, elfKind(bytes));
  if (imageFormats.has(format)) return fromImage(bytes, name, 'kernel-image');
  if (containers[format])
    throw new UserError(`${name}: ${containers[format]} inside another container is not supported`);
  return fromUnknown(bytes, name);
}

/** Unknown formats (e.g. a headerless 32-bit Image) may still carry IKCONFIG. */
async function fromUnknown(bytes: Buffer, name: string): Promise<Extracted> {
  const text = await configFromKernelImage(bytes).catch((error: unknown) => {
    throw error instanceof IkconfigCorruptError
      ? new UserError(`${name}: ${error.message}`)
      : error;
  });
  if (text !== undefined) return { text, kind: 'kernel-image' };
  throw new UserError(notAKernel(name));
}
