/**
 * What `armada build` takes, with defaults, validated purely (all problems at once).
 */
import { OptionError } from '../errors.js';
import type { OptionLabel } from '../option-names.js';
import type { BaseOptions } from '../base/opened.js';
import { isUrl } from '../source/detect.js';
import { defaultSuite } from '../apt/suites.js';
import { feature, featureNames } from './packages.js';
import type { EpochSource } from './plan-epoch.js';

export type Arch = 'arm64' | 'armhf';
export type Compression = 'xz' | 'zst' | 'zip';

export interface BuildOptions {
  arch: Arch;
  suite: string;
  /** Mirror URL or full `deb …` lines; undefined = the build host's apt sources, else mmdebstrap's default. */
  mirror?: string;
  keyring?: string;
  /** Signs SHA256SUMS (SHA256SUMS.sig, OpenSSH sshsig) with this key (src/sign/). */
  signKey?: string;
  components: string[];
  /** Extra packages on top of the default set. */
  packages: string[];
  out: string;
  name: string;
  compress: Compression[];
  insecureTcp: boolean;
  /** Build even when the kernel lacks required options (recorded in the manifest). */
  allowMissingKernelOptions: boolean;
  /** Kernel requirement groups beyond Docker's (default ['ovs']; [] opts out, recorded). */
  requireKernel: string[];
  /** Optional parts of the image (features.json), e.g. 'ovs'. */
  with: string[];
  cacheDir: string;
  workDir?: string;
  /** Re-bootstrap even when the stage cache holds a matching root filesystem. */
  refresh: boolean;
  /**
   * Ask no archive and download nothing: the cached stage of exactly these options, as it is
   * (build --base: the cached download and --packages-from's .debs). Fails naming what is missing.
   */
  offline: boolean;
  sourceDateEpoch?: number;
  /** What the build's time (sourceDateEpoch, else the clock) was taken from (plan-epoch.ts). */
  createdAtFrom?: EpochSource;
  /** Free space left in the root filesystem beyond its content (first boot grows it anyway). */
  headroomMiB: number;
  bootSizeMiB: number;
  /** Leave out docs, translations and drivers a Pi cannot use (src/build/slim.json). */
  slim: boolean;
  armadaVersion: string;
}

/** The defaults of `armada build`: applied by resolveBuildOptions, shown by --help. */
export const buildDefaults = {
  arch: 'arm64' as Arch,
  suite: defaultSuite,
  components: ['main', 'non-free-firmware'],
  /** Relative to the working directory. */
  out: 'out',
  compress: ['xz'] as Compression[],
  workDir: '/var/tmp',
  headroomMiB: 256,
  bootSizeMiB: 256,
  slim: true,
} as const;

export function defaultBuildName(o: { suite: string; arch: string }): string {
  return `armada-${o.suite}-${o.arch}`;
}

/** Options whose problems name them; the CLI names each by its flag (src/cli/flag-names.ts). */
export type BuildOptionName = keyof BuildOptions;

export interface OptionProblem {
  option: BuildOptionName;
  /** What is wrong, phrased to follow the option's name (naming other options by their labels). */
  text: string | ((option: OptionLabel) => string);
}

/**
 * Pure: every problem with the options, each tied to its option.
 * @param requirable the kernel groups requireKernel accepts (kernel-config/'s requiredWith
 * values); read from disk by the caller so this stays pure.
 * @param base build --base's own options, when the build customises a base.
 */
export function buildOptionProblems(
  o: BuildOptions,
  requirable?: readonly string[],
  base?: BaseOptions,
): OptionProblem[] {
  const problems: OptionProblem[] = [];
  const bad = (option: BuildOptionName, text: OptionProblem['text']) =>
    problems.push({ option, text });
  if (!['arm64', 'armhf'].includes(o.arch)) bad('arch', `must be arm64 or armhf, not '${o.arch}'`);
  if (!/^[a-z][a-z0-9.-]*$/.test(o.suite)) bad('suite', `'${o.suite}' is not a Debian suite name`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(o.name))
    bad('name', `'${o.name}' may use letters, digits, . _ - only`);
  for (const p of o.packages) {
    if (!/^[a-z0-9][a-z0-9+.-]*(:[a-z0-9]+)?(=[A-Za-z0-9.+~:-]+)?$/.test(p))
      bad('packages', `'${p}' is not a package name`);
  }
  for (const f of o.with)
    if (!feature(f)) bad('with', `'${f}' is not one of ${featureNames().join(', ')}`);
  for (const g of requirable ? o.requireKernel : [])
    if (!requirable!.includes(g))
      bad('requireKernel', `'${g}' is not one of ${[...requirable!, 'none'].join(', ')}`);
  for (const c of o.components)
    if (!/^[a-z0-9-]+$/.test(c)) bad('components', `'${c}' is not a component`);
  if (o.bootSizeMiB < 256 || o.bootSizeMiB > 512)
    bad('bootSizeMiB', 'must be 256–512 MiB (docs/image-layout.md)');
  if (o.headroomMiB < 64) bad('headroomMiB', 'must be at least 64 MiB');
  if (
    o.sourceDateEpoch !== undefined &&
    !(Number.isInteger(o.sourceDateEpoch) && o.sourceDateEpoch > 0)
  )
    bad('sourceDateEpoch', 'must be a positive whole number of seconds');
  if (o.offline) {
    if (o.refresh)
      bad('offline', (l) => `cannot go with ${l('refresh')}: a fresh bootstrap needs the archive`);
    // What only the network could give a base build: Docker's packages, and the base's checksum.
    if (base && !base.packagesFrom)
      bad(
        'offline',
        (l) =>
          `with ${l('base')} needs ${l('packagesFrom')} (a directory of Docker's .debs): otherwise Docker is installed from an archive`,
      );
    if (base && isUrl(base.base) && !base.sha256)
      bad(
        'offline',
        (l) =>
          `with a ${l('base')} URL needs ${l('sha256')}: the download cache is looked up by it`,
      );
  }
  return problems;
}

export function validateBuildOptions(
  o: BuildOptions,
  requirable?: readonly string[],
  base?: BaseOptions,
): void {
  const problems = buildOptionProblems(o, requirable, base);
  if (problems.length)
    throw new OptionError(
      () => 'invalid build options; fix these and run again',
      (label) =>
        problems.map(
          (p) => `${label(p.option)} ${typeof p.text === 'string' ? p.text : p.text(label)}`,
        ),
      { usage: true },
    );
}
