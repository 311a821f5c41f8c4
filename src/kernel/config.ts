/**
 * Kernel `.config` text: parsing and kernel versions. Pure: no fs, no exec.
 */

/** Raw values without the CONFIG_ prefix: 'y', 'm', 'n' (for "# CONFIG_X is not set"), '"text"', '123'. */
export interface KernelConfig {
  /** From the `# Linux/arm64 6.1.0 Kernel Configuration` header; undefined when the header is missing. */
  version: string | undefined;
  /** The architecture named in the same header ('arm64', 'arm', 'x86'). */
  arch: string | undefined;
  values: ReadonlyMap<string, string>;
}

export type OptionState = 'y' | 'm' | 'missing';

const setLine = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/;
const unsetLine = /^# CONFIG_([A-Za-z0-9_]+) is not set$/;
// "# Linux/arm64 6.1.0 Kernel Configuration"; very old kernels wrote "# Linux kernel version: 2.6.32".
const header = /^# Linux\/(\S+) (\d+\.\d+[^\s]*) Kernel Configuration$/;
const oldHeader = /^# Linux kernel version: (\d+\.\d+\S*)$/;

export function parseKernelConfig(text: string): KernelConfig {
  const values = new Map<string, string>();
  let version: string | undefined;
  let arch: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    const set = setLine.exec(line);
    if (set) {
      values.set(set[1], set[2]);
      continue;
    }
    const unset = unsetLine.exec(line);
    if (unset) {
      values.set(unset[1], 'n');
      continue;
    }
    if (version === undefined) {
      const h = header.exec(line);
      if (h) {
        arch = h[1];
        version = h[2];
        continue;
      }
      const o = oldHeader.exec(line);
      if (o) version = o[1];
    }
  }
  return { version, arch, values };
}

export function optionState(config: KernelConfig, name: string): OptionState {
  const v = config.values.get(name);
  return v === 'y' ? 'y' : v === 'm' ? 'm' : 'missing';
}

/** The option appears in the config at all (set, module, or "is not set"): the kernel knows it. */
export function isKnownOption(config: KernelConfig, name: string): boolean {
  return config.values.has(name);
}

/** Unquoted string value of a CONFIG_ string option (CMDLINE); undefined when absent. */
export function stringOption(config: KernelConfig, name: string): string | undefined {
  const v = config.values.get(name);
  if (v === undefined || v === 'n') return undefined;
  return v.startsWith('"') && v.endsWith('"')
    ? v.slice(1, -1).replace(/\\"/g, '"').replace(/\\\\/g, '\\')
    : v;
}

/**
 * Version sort like `sort -V`: runs of digits compare numerically, other runs as text, and a
 * prefix sorts first ('6.1' < '6.1.0' < '6.1.0-9-arm64' < '6.1.0-50-arm64').
 */
export function compareVersions(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d !== 0) return Math.sign(d);
    } else if (nx !== ny) {
      return nx ? 1 : -1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

/** major.minor.patch of a kernel version ('6.1.0-50-arm64' → [6, 1, 0]); undefined if unparsable. */
export function kernelTriple(version: string): [number, number, number] | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(version);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

/** Compare kernel versions numerically on major.minor.patch ('5.10' vs '5.8' → 1). */
export function compareKernel(a: [number, number, number], b: [number, number, number]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return Math.sign(a[i] - b[i]);
  return 0;
}
