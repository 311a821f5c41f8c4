/**
 * The file names inside an initramfs image. initramfs-tools writes concatenated archives: an
 * uncompressed cpio first (early firmware or microcode, and modules that are compressed files
 * already), then one compressed cpio (zstd by default, or gzip or xz). The kernel unpacks them
 * all in order; so does this.
 */
import { listCpio, CpioError } from '../image/cpio.js';
import { decompress } from '../kernel/decompress.js';
import { sniff } from '../source/magic.js';
import { moduleName } from './drivers.js';

export class InitramfsReadError extends Error {}

/** What an initramfs holds; decompressed in full (they are tens of MB). */
export async function initramfsNames(bytes: Buffer): Promise<string[]> {
  const names: string[] = [];
  let data = bytes;
  for (let layer = 0; layer < 4; layer++) {
    let listing;
    try {
      listing = listCpio(data);
    } catch (error) {
      if (error instanceof CpioError) throw new InitramfsReadError(error.message);
      throw error;
    }
    names.push(...listing.names);
    if (listing.end >= data.length) return names;
    const rest = data.subarray(listing.end);
    const format = sniff(rest);
    if (format !== 'zstd' && format !== 'gzip' && format !== 'xz')
      throw new InitramfsReadError(
        `the initramfs has ${format} data at byte ${listing.end}, which armada cannot unpack (zstd, gzip and xz can be)`,
      );
    data = await decompress(rest, format);
  }
  throw new InitramfsReadError('the initramfs nests compressed archives more than 4 deep');
}

/** The kernel modules among those names, as module names ('sdhci_iproc'). */
export function initramfsModules(names: readonly string[]): Set<string> {
  return new Set(
    names.filter((n) => /(^|\/)lib\/modules\/[^/]+\/.*\.ko(\.\w+)?$/.test(n)).map(moduleName),
  );
}
