/**
 * Byte counts for people: the one place that turns a number of bytes into text. Pure.
 * Cards and transfers use decimal units (a "32 GB" card is 32e9 bytes, and so is what flash says);
 * files, partitions and caches use binary units, in the form their reader expects.
 */

/** Decimal units with one decimal: '31.9 GB', '4.2 MB', '512 B'. Cards, downloads, progress. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}

/**
 * Binary units. 'short': whole values stay whole ('4 MiB', '1.5 GiB', '512 B'; inspect's
 * partition table). 'bmaptool': one decimal always, bytes spelled out ('4.0 MiB', '512 bytes'), as
 * bmap-tools writes its comments. 'coarse': MiB without decimals below a GiB, GiB with one above
 * (cache entries, where a MiB either way does not matter). 'size': GiB with two decimals from a
 * GiB up, else MiB with one (what a build made: images, artifacts).
 */
export function formatBinary(
  bytes: number,
  style: 'short' | 'bmaptool' | 'coarse' | 'size',
): string {
  if (style === 'size')
    return bytes >= 1024 ** 3
      ? `${(bytes / 1024 ** 3).toFixed(2)} GiB`
      : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (style === 'coarse')
    return bytes >= 1024 ** 3
      ? `${(bytes / 1024 ** 3).toFixed(1)} GiB`
      : `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
  const units = [style === 'bmaptool' ? 'bytes' : 'B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  if (u === 0) return `${bytes} ${units[0]}`;
  return `${style === 'short' && Number.isInteger(n) ? n : n.toFixed(1)} ${units[u]}`;
}
