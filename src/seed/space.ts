/**
 * Pure: how many bytes a seed takes on a FAT volume. Files and directories occupy whole
 * clusters; each directory holds its entries (32 bytes, plus one long-name entry per 13
 * characters) and its own `.` and `..`.
 */
import type { SeedFile } from './types.js';

const entryBytes = (name: string) => 32 * (1 + Math.ceil(name.length / 13));

export function seedBytesOnFat(files: readonly SeedFile[], clusterBytes: number): number {
  const clusters = (bytes: number) => Math.max(1, Math.ceil(bytes / clusterBytes)) * clusterBytes;
  const dirEntries = new Map<string, number>();
  const addEntry = (dir: string, name: string) =>
    dirEntries.set(dir, (dirEntries.get(dir) ?? 64) + entryBytes(name));
  let total = 0;
  for (const f of files) {
    const size = typeof f.content === 'string' ? Buffer.byteLength(f.content) : f.content.length;
    total += size ? clusters(size) : 0;
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      const name = parts[i];
      const child = parts.slice(0, i + 1).join('/');
      // Count each entry once: a directory appears in many file paths.
      if (i < parts.length - 1 && dirEntries.has(child)) continue;
      addEntry(dir, name);
      if (i < parts.length - 1) dirEntries.set(child, dirEntries.get(child) ?? 64);
    }
  }
  for (const bytes of dirEntries.values()) total += clusters(bytes);
  // The seed's own entry in the root directory may need one more cluster.
  return total + clusterBytes;
}
