/**
 * The names in a cpio "newc" archive (what an initramfs is), as the kernel's init/initramfs.c
 * reads it: 110-byte ASCII-hex headers (magic 070701, or 070702 with checksums), the name and
 * the data each padded to 4 bytes, a `TRAILER!!!` entry at the end. Several archives may follow
 * each other, with zero padding between; parsing stops at the first byte that starts no header
 * (a compressed archive that follows). Pure.
 */

export class CpioError extends Error {}

export interface CpioListing {
  /** Entry names as stored ('usr/lib/modules/…/sdhci.ko.xz'), every archive's, in order. */
  names: string[];
  /** Where the uncompressed archives end: the offset of what follows, or the length. */
  end: number;
}

const align4 = (n: number) => (n + 3) & ~3;
const isHeader = (b: Buffer, at: number) =>
  at + 6 <= b.length && /^07070[12]$/.test(b.toString('latin1', at, at + 6));

export function listCpio(b: Buffer, start = 0): CpioListing {
  const names: string[] = [];
  let at = start;
  for (;;) {
    // Between archives (and after the last) the writers pad with zeros to 512 or 4 bytes.
    while (at < b.length && b[at] === 0) at++;
    if (!isHeader(b, at)) return { names, end: at };
    if (at + 110 > b.length) throw new CpioError(`truncated cpio header at byte ${at}`);
    const field = (i: number) =>
      parseInt(b.toString('latin1', at + 6 + i * 8, at + 14 + i * 8), 16);
    const fileSize = field(6);
    const nameSize = field(11);
    if (!Number.isFinite(fileSize) || !Number.isFinite(nameSize) || nameSize < 1)
      throw new CpioError(`damaged cpio header at byte ${at}`);
    const nameEnd = at + 110 + nameSize;
    const dataEnd = align4(nameEnd) + fileSize;
    if (dataEnd > b.length) throw new CpioError(`truncated cpio entry at byte ${at}`);
    const name = b.toString('utf8', at + 110, nameEnd - 1);
    at = align4(dataEnd);
    if (name !== 'TRAILER!!!') names.push(name);
  }
}
