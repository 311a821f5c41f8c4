/**
 * What a file is, from its first bytes (never its name: downloads get renamed). The one
 * magic-byte detector: image sources, `inspect`, base images and `check-kernel` all ask it. Pure.
 */

export type Format =
  | 'empty'
  | 'gzip'
  | 'xz'
  | 'zstd'
  | 'bzip2'
  | 'lz4'
  | 'zip'
  | 'ar'
  | 'elf'
  | 'zboot'
  | 'arm64-image'
  | 'zimage'
  | 'bzimage'
  | 'gpt'
  | 'mbr'
  | 'fat'
  | 'ext'
  | 'config'
  | 'unknown';

/** How many leading bytes sniff() wants (the ext superblock sits at 1024). */
export const sniffBytes = 64 * 1024;

export const magic = {
  gzip: Buffer.from([0x1f, 0x8b, 0x08]),
  xz: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]),
  zstd: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]),
  zip: Buffer.from([0x50, 0x4b, 0x03, 0x04]),
  // An empty archive or one whose first entry is spanned; unzipper reports what is wrong with it.
  emptyZip: Buffer.from([0x50, 0x4b, 0x05, 0x06]),
} as const;

const at = (b: Buffer, offset: number, bytes: Buffer | string) => {
  const m = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
  return b.length >= offset + m.length && b.subarray(offset, offset + m.length).equals(m);
};

/** A FAT boot sector: jump instruction, sane geometry and a "FAT" type string. */
export function isFatBootSector(b: Buffer): boolean {
  if (b.length < 512 || b[510] !== 0x55 || b[511] !== 0xaa) return false;
  if (b[0] !== 0xeb && b[0] !== 0xe9) return false;
  const bytesPerSector = b.readUInt16LE(11);
  const sectorsPerCluster = b[13];
  const powerOfTwo = (n: number) => n > 0 && (n & (n - 1)) === 0;
  if (![512, 1024, 2048, 4096].includes(bytesPerSector) || !powerOfTwo(sectorsPerCluster))
    return false;
  return at(b, 0x36, 'FAT') || at(b, 0x52, 'FAT');
}

export function sniff(b: Buffer): Format {
  if (b.length === 0) return 'empty';
  if (at(b, 0, magic.gzip.subarray(0, 2))) return 'gzip';
  if (at(b, 0, magic.xz)) return 'xz';
  if (at(b, 0, magic.zstd)) return 'zstd';
  if (at(b, 0, magic.zip) || at(b, 0, magic.emptyZip)) return 'zip';
  if (at(b, 0, 'BZh')) return 'bzip2';
  if (
    at(b, 0, Buffer.from([0x04, 0x22, 0x4d, 0x18])) ||
    at(b, 0, Buffer.from([0x02, 0x21, 0x4c, 0x18]))
  )
    return 'lz4';
  if (at(b, 0, '!<arch>\n')) return 'ar';
  if (at(b, 0, '\x7fELF')) return 'elf';
  // arm64 EFI zboot: an EFI app whose payload is the compressed Image (linux/drivers/firmware/efi/libstub/zboot-header.S).
  if (at(b, 0, 'MZ') && at(b, 4, 'zimg')) return 'zboot';
  if (at(b, 0x38, 'ARMd')) return 'arm64-image';
  if (b.length >= 0x28 && b.readUInt32LE(0x24) === 0x016f2818) return 'zimage';
  if (at(b, 0x202, 'HdrS')) return 'bzimage';
  if (at(b, 512, 'EFI PART')) return 'gpt';
  if (b.length >= 0x43a && b.readUInt16LE(0x438) === 0xef53) return 'ext';
  if (isFatBootSector(b)) return 'fat';
  if (b.length >= 512 && b[510] === 0x55 && b[511] === 0xaa) return 'mbr';
  if (looksLikeKernelConfig(b.subarray(0, sniffBytes).toString('latin1'))) return 'config';
  return 'unknown';
}

/** Does this text look like a kernel config (used to sniff sources, not to validate)? */
export function looksLikeKernelConfig(text: string): boolean {
  if (text.includes('\0')) return false;
  return /^(CONFIG_[A-Za-z0-9_]+=|# CONFIG_[A-Za-z0-9_]+ is not set)/m.test(text);
}
