/**
 * What `armada build` takes, with defaults, validated purely (all problems at once).
 */
import { UsageError } from '../errors.js';
import { feature, featureNames } from './packages.js';

export type Arch = 'arm64' | 'armhf';
export type Compression = 'xz' | 'zst' | 'zip';

export interface BuildOptions {
  arch: Arch;
  suite: string;
  /** Mirror URL or full `deb …` lines; undefined = the build host's apt sources, else mmdebstrap's default. */
  mirror?: string;
  keyring?: string;
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
  sourceDateEpoch?: number;
  /** Free space left in the root filesystem beyond its content (first boot grows it anyway). */
  headroomMiB: number;
  bootSizeMiB: number;
  armadaVersion: string;
}

export { defaultSuite } from './packages.js';

export function defaultBuildName(o: Pick<BuildOptions, 'suite' | 'arch'>): string {
  return `armada-${o.suite}-${o.arch}`;
}

/**
 * @param requirable the kernel groups `--require-kernel` accepts (kernel-config/'s requiredWith
 * values); read from disk by the caller so this stays pure.
 */
export function validateBuildOptions(o: BuildOptions, requirable?: readonly string[]): void {
  const problems: string[] = [];
  if (!['arm64', 'armhf'].includes(o.arch))
    problems.push(`--arch must be arm64 or armhf, not '${o.arch}'`);
  if (!/^[a-z][a-z0-9.-]*$/.test(o.suite))
    problems.push(`--suite '${o.suite}' is not a Debian suite name`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(o.name))
    problems.push(`--name '${o.name}' may use letters, digits, . _ - only`);
  for (const p of o.packages) {
    if (!/^[a-z0-9][a-z0-9+.-]*(:[a-z0-9]+)?(=[A-Za-z0-9.+~:-]+)?$/.test(p))
      problems.push(`--packages: '${p}' is not a package name`);
  }
  for (const f of o.with)
    if (!feature(f)) problems.push(`--with: '${f}' is not one of ${featureNames().join(', ')}`);
  for (const g of requirable ? o.requireKernel : [])
    if (!requirable!.includes(g))
      problems.push(
        `--require-kernel: '${g}' is not one of ${[...requirable!, 'none'].join(', ')}`,
      );
  for (const c of o.components)
    if (!/^[a-z0-9-]+$/.test(c)) problems.push(`--components: '${c}' is not a component`);
  if (o.bootSizeMiB < 256 || o.bootSizeMiB > 512)
    problems.push('--boot-size must be 256–512 MiB (DESIGN.md)');
  if (o.headroomMiB < 64) problems.push('--headroom must be at least 64 MiB');
  if (
    o.sourceDateEpoch !== undefined &&
    !(Number.isInteger(o.sourceDateEpoch) && o.sourceDateEpoch > 0)
  )
    problems.push('SOURCE_DATE_EPOCH must be a positive whole number of seconds');
  if (problems.length)
    throw new UsageError('invalid build options; fix these and run again', problems);
}
