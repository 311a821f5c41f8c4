/**
 * Which files in a package, directory or disk image may hold a kernel config, and in which
 * order to try them: newest kernel version first (version sort), and for one version the
 * config file before configs.ko before the kernel image. Pure.
 */
import { compareVersions } from './config.js';

export type CandidateType = 'config' | 'module' | 'image';

export interface Classified {
  type: CandidateType;
  /** The kernel release the path names ('6.1.0-50-arm64'); undefined for kernel8.img and the like. */
  version?: string;
}

export interface Candidate extends Classified {
  /** Where it is, as shown to the user ('boot/config-6.1.0-50-arm64', 'p1:/kernel8.img'). */
  label: string;
  load: () => Promise<Buffer>;
}

const rules: readonly [RegExp, CandidateType][] = [
  [/(?:^|\/)config-([^/]+)$/, 'config'],
  [
    /(?:^|\/)(?:usr\/)?lib\/modules\/([^/]+)\/kernel\/kernel\/configs\.ko(?:\.(?:xz|zst|gz))?$/,
    'module',
  ],
  [/(?:^|\/)(?:vmlinuz|vmlinux|Image|zImage|bzImage)-([^/]+)$/, 'image'],
  [/(?:^|\/)(?:vmlinuz|vmlinux|Image|zImage|bzImage|kernel[^/]*\.img)$/, 'image'],
];

// Backups and package-manager leftovers are not kernels anyone boots.
const leftovers = /\.(?:old|bak|dpkg-[a-z]+|orig|sig|asc|sha256)$/;

export function classifyKernelPath(path: string): Classified | undefined {
  const name = path.replace(/\\/g, '/');
  if (leftovers.test(name)) return undefined;
  for (const [pattern, type] of rules) {
    const m = pattern.exec(name);
    if (!m) continue;
    // config-* only counts under a boot directory or at the top (not e.g. /etc/foo/config-x).
    if (
      type === 'config' &&
      !/(?:^|\/)boot\/(?:firmware\/)?config-[^/]+$|^\/?config-[^/]+$/.test(name)
    )
      return undefined;
    return m[1] ? { type, version: m[1] } : { type };
  }
  return undefined;
}

const typeOrder: Record<CandidateType, number> = { config: 0, module: 1, image: 2 };

/** Newest named version first; unnamed candidates (kernel8.img) after, in their given order. */
export function orderCandidates<T extends Classified & { label: string }>(
  candidates: readonly T[],
): T[] {
  const named = candidates.filter((c) => c.version !== undefined);
  const unnamed = candidates.filter((c) => c.version === undefined);
  named.sort(
    (a, b) =>
      compareVersions(b.version!, a.version!) ||
      typeOrder[a.type] - typeOrder[b.type] ||
      a.label.localeCompare(b.label),
  );
  return [...named, ...unnamed];
}

/** Drop duplicates (the same file reached twice, e.g. /lib → /usr/lib). */
export function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((i) => {
    const k = key(i);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
