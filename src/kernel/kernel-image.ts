/**
 * The config inside a kernel image built with CONFIG_IKCONFIG, the way the kernel's
 * scripts/extract-ikconfig looks for it: in the raw bytes first, then inside every compressed
 * stream the image carries (zImage/bzImage payloads, gzip'd Image), and in an arm64 EFI zboot
 * image's declared payload.
 */
import { UserError } from '../errors.js';
import { compressionNamed, decompressLenient, type Compression } from './decompress.js';
import { IkconfigCorruptError, extractIkconfig } from './ikconfig.js';
import { magic } from '../source/magic.js';
import { offsetsOf, parseZbootHeader } from './zboot.js';

// Real images hold their payload near the start; the cap keeps a non-kernel from costing minutes.
const probesPerFormat: Record<Compression, number> = { gzip: 64, xz: 8, zstd: 8 };

export async function configFromKernelImage(bytes: Buffer): Promise<string | undefined> {
  // A compressor stores incompressible data (the already-gzip'd config) verbatim in pieces, so
  // the marker can show up inside a compressed payload with its data cut up: remember the
  // damage and keep looking; it is only the answer if nothing better turns up.
  let damaged: IkconfigCorruptError | undefined;
  const look = (b: Buffer) => {
    try {
      return extractIkconfig(b);
    } catch (error) {
      if (!(error instanceof IkconfigCorruptError)) throw error;
      damaged ??= error;
      return undefined;
    }
  };
  const raw = look(bytes);
  if (raw !== undefined) return raw;

  const zboot = parseZbootHeader(bytes);
  if (zboot) {
    const compression = compressionNamed(zboot.compression);
    if (!compression) {
      throw new UserError(
        `this EFI zboot kernel is compressed with ${zboot.compression}, which armada cannot read; give the kernel's config file instead`,
      );
    }
    const payload = bytes.subarray(zboot.payloadOffset, zboot.payloadOffset + zboot.payloadSize);
    const inner = await decompressLenient(payload, compression);
    const text = inner ? look(inner) : undefined;
    if (text !== undefined) return text;
  } else {
    for (const compression of ['gzip', 'xz', 'zstd'] as const) {
      for (const offset of offsetsOf(bytes, magic[compression], probesPerFormat[compression])) {
        const inner = await decompressLenient(bytes.subarray(offset), compression);
        if (!inner || inner.length < 1024) continue;
        const text = look(inner);
        if (text !== undefined) return text;
      }
    }
  }
  if (damaged) throw damaged;
  return undefined;
}
