/**
 * One Raspberry Pi OS image carries one kernel per board family (kernel8.img for the Pi 3/4/Zero 2
 * in 64-bit, kernel_2712.img for the Pi 5, kernel7l.img, kernel7.img, kernel.img for 32-bit
 * boards), each with its own modules and config in the root filesystem. Which config belongs to
 * which kernel file is decided here, purely, from the kernel releases' names.
 */
export type Family = 'v8' | '2712' | 'v7l' | 'v7' | 'v6' | 'custom';

export interface FamilyInfo {
  family: Family;
  arch: 'arm64' | 'armhf';
  boards: string;
}

const byFile: Record<string, FamilyInfo> = {
  'kernel8.img': { family: 'v8', arch: 'arm64', boards: 'Pi 3, 4, 400, CM4, Zero 2 W (64-bit)' },
  'kernel_2712.img': { family: '2712', arch: 'arm64', boards: 'Pi 5, 500, CM5' },
  'kernel7l.img': { family: 'v7l', arch: 'armhf', boards: 'Pi 4, 400, CM4 (32-bit)' },
  'kernel7.img': { family: 'v7', arch: 'armhf', boards: 'Pi 2, 3, Zero 2 W (32-bit)' },
  'kernel.img': { family: 'v6', arch: 'armhf', boards: 'Pi 1, Zero, Zero W' },
};

/**
 * The release suffix of each family's kernel: Bookworm's `6.6.51+rpt-rpi-v8`, `…-rpi-2712`,
 * older `5.15.84-v8+`, `5.15.84-v7l+`, and the unsuffixed `5.15.84+` of the ARMv6 kernel.
 */
const releasePatterns: [Family, RegExp][] = [
  ['2712', /(?:-|_)(?:2712|16k)\+?$/],
  ['v8', /-v8\+?$/],
  ['v7l', /-v7l\+?$/],
  ['v7', /-v7\+?$/],
  ['v6', /(?:-v6|^\d+\.\d+\.\d+)\+$|-rpi-v6$/],
];

export function familyOfRelease(release: string): Family | undefined {
  return releasePatterns.find(([, re]) => re.test(release))?.[0];
}

function familyOfKernelFile(name: string): FamilyInfo | undefined {
  return byFile[name.toLowerCase()];
}

/** Kernel files the firmware may load: kernel*.img on the FAT, plus any `kernel=` of config.txt. */
export function kernelFiles(bootFiles: readonly string[], configTxt: string): string[] {
  const named = [...configTxt.matchAll(/^\s*kernel\s*=\s*(\S+)\s*$/gm)].map((m) => m[1]);
  const onFat = new Set(bootFiles.map((b) => b.toLowerCase()));
  const files = bootFiles.filter((b) => /^kernel[^/]*\.img$/i.test(b));
  for (const n of named) if (onFat.has(n.toLowerCase()) && !files.includes(n)) files.push(n);
  return files.sort();
}

export type KernelPairing =
  | { ok: true; file: string; info: FamilyInfo; release: string }
  | { ok: false; file: string; info: FamilyInfo; reason: string };

/**
 * For each kernel file, the release whose config describes it. A release with no Pi family
 * suffix (a distribution kernel such as Debian's `6.12.57+deb13-arm64`) serves every kernel file
 * of its architecture when it is the only one: that is how an image with one generic kernel is
 * laid out.
 */
export function pairKernels(
  files: readonly string[],
  releases: readonly string[],
): KernelPairing[] {
  const generic = releases.filter((r) => familyOfRelease(r) === undefined);
  return files.map((file): KernelPairing => {
    const info = familyOfKernelFile(file) ?? {
      family: 'custom',
      arch: 'arm64',
      boards: `named by config.txt (${file})`,
    };
    const own = releases
      .filter((r) => familyOfRelease(r) === info.family)
      .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
    if (own[0]) return { ok: true, file, info, release: own[0] };
    if (generic.length === 1) return { ok: true, file, info, release: generic[0] };
    return {
      ok: false,
      file,
      info,
      reason: generic.length
        ? `several kernels without a Raspberry Pi family suffix (${generic.join(', ')}); cannot tell which one ${file} is`
        : `no kernel release in the root filesystem belongs to ${file} (found: ${releases.join(', ') || 'none'})`,
    };
  });
}
