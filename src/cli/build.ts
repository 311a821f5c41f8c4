import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../errors.js';
import { buildDefaults, defaultBuildName } from '../build/options.js';
import { jsonOption, printResult, type GlobalArgs } from './context.js';
import { defaultKernelGroups, featureNames } from '../build/packages.js';
import { knownSuites } from '../apt/suites.js';

interface Args extends GlobalArgs {
  arch: 'arm64' | 'armhf';
  suite?: string;
  mirror?: string;
  keyring?: string;
  'sign-key'?: string;
  components?: string[];
  packages?: string[];
  with?: string[];
  out?: string;
  name?: string;
  compress?: ('xz' | 'zst' | 'zip' | 'none')[];
  'insecure-tcp': boolean;
  'allow-missing-kernel-options': boolean;
  'require-kernel'?: string[];
  'work-dir'?: string;
  refresh: boolean;
  offline: boolean;
  headroom?: number;
  'boot-size'?: number;
  slim: boolean;
  base?: string;
  sha256?: string;
  'packages-from'?: string;
  json: boolean;
}

const list = (v: unknown): string[] | undefined =>
  v === undefined
    ? undefined
    : ([] as unknown[])
        .concat(v)
        .flatMap((s) => String(s).split(','))
        .map((s) => s.trim())
        .filter(Boolean);

export const buildCommand: CommandModule<GlobalArgs, Args> = {
  command: 'build',
  describe:
    'Build a bootable Raspberry Pi Docker-host image (.img, .img.xz, .bmap, SHA256SUMS, manifest.json)',
  builder: (y) =>
    y
      .options({
        arch: {
          choices: ['arm64', 'armhf'] as const,
          default: buildDefaults.arch,
          describe: 'Target architecture',
        },
        suite: {
          type: 'string',
          describe: `Debian (or Raspbian) suite; armada knows ${knownSuites().join(', ')}`,
          defaultDescription: buildDefaults.suite,
        },
        mirror: {
          type: 'string',
          describe: "Mirror URL or full 'deb …' line(s); default: this machine's apt sources",
        },
        keyring: { type: 'string', describe: 'Keyring for a non-Debian archive (e.g. Raspbian)' },
        'sign-key': {
          type: 'string',
          describe:
            'Sign SHA256SUMS with this OpenSSH key (SHA256SUMS.sig; ssh-keygen -Y sign -n armada-release)',
        },
        components: {
          type: 'array',
          string: true,
          describe: 'Archive components',
          defaultDescription: buildDefaults.components.join(' '),
        },
        packages: { type: 'array', string: true, describe: 'Extra packages to install' },
        out: {
          type: 'string',
          describe: 'Output directory',
          defaultDescription: `./${buildDefaults.out}`,
        },
        name: {
          type: 'string',
          describe: 'Artifact base name',
          defaultDescription: defaultBuildName({ suite: '<suite>', arch: '<arch>' }),
        },
        compress: {
          type: 'array',
          choices: ['xz', 'zst', 'zip', 'none'],
          describe: 'Compressed artifacts (none: only .img and .bmap)',
          defaultDescription: buildDefaults.compress.join(' '),
        },
        'insecure-tcp': {
          type: 'boolean',
          default: false,
          describe: 'ALSO open Docker without TLS on 2375 (dangerous; warned)',
        },
        'allow-missing-kernel-options': {
          type: 'boolean',
          default: false,
          describe: 'Build even if the kernel lacks required options (recorded)',
        },
        'require-kernel': {
          type: 'array',
          string: true,
          describe:
            "Kernel requirement groups beyond Docker's; 'none' or --no-require-kernel requires only Docker's (recorded)",
          defaultDescription: defaultKernelGroups.join(' '),
        },
        with: {
          type: 'array',
          string: true,
          describe: `Optional parts of the image: ${featureNames().join(', ')} (e.g. --with ovs: Open vSwitch)`,
        },
        'work-dir': {
          type: 'string',
          describe: 'Scratch directory (needs ~3 GiB)',
          defaultDescription: buildDefaults.workDir,
        },
        refresh: {
          type: 'boolean',
          default: false,
          describe:
            'A full, fresh bootstrap (as a release build): no cached stage is reused or upgraded',
        },
        offline: {
          type: 'boolean',
          default: false,
          describe:
            'Ask no archive, download nothing: the cached stage of these options as it is (with --base: a cached download and --packages-from); fails naming what the cache lacks',
        },
        headroom: {
          type: 'number',
          describe: 'Free MiB in the root filesystem beyond its content',
          defaultDescription: String(buildDefaults.headroomMiB),
        },
        'boot-size': {
          type: 'number',
          describe: 'Boot partition MiB (256–512)',
          defaultDescription: String(buildDefaults.bootSizeMiB),
        },
        slim: {
          type: 'boolean',
          default: buildDefaults.slim,
          describe:
            'Leave out docs, translations and drivers no Pi can use (--no-slim keeps them; docs/image-layout.md)',
        },
        base: {
          type: 'string',
          describe:
            'Customise this Raspberry Pi OS image (.img, .img.xz, .zip; path or URL) instead of bootstrapping one (docs/base-images.md)',
        },
        sha256: {
          type: 'string',
          describe: "The base image's SHA-256 (else a .sha256 or SHA256SUMS beside it)",
        },
        'packages-from': {
          type: 'string',
          describe: 'With --base: install Docker from the .debs in this directory (offline)',
        },
      })
      .options(jsonOption)
      .example(
        '$0 build',
        `Debian ${buildDefaults.suite} arm64 + Docker into ./${buildDefaults.out}`,
      )
      .example('$0 build --suite bookworm', 'Debian 12 (Docker 20.10) for fleets that run it')
      .example(
        '$0 build --offline',
        'The same build again without network (air-gapped CI): from the stage an earlier build cached',
      )
      .example(
        '$0 build --arch armhf --suite bookworm --mirror http://<raspbian-mirror>/raspbian --keyring raspbian.gpg --components main',
        'A Raspbian armhf image',
      ) as unknown as Argv<Args>,
  handler: async (argv) => {
    if ((argv.sha256 || argv['packages-from']) && !argv.base)
      throw new UsageError('--sha256 and --packages-from go with --base');
    const { buildImage, formatBuildResult } = await import('../commands/build.js');
    const result = await buildImage({
      arch: argv.arch,
      ...(argv.suite ? { suite: argv.suite } : {}),
      ...(argv.mirror ? { mirror: argv.mirror } : {}),
      ...(argv.keyring ? { keyring: argv.keyring } : {}),
      ...(argv['sign-key'] ? { signKey: argv['sign-key'] } : {}),
      ...(list(argv.components) ? { components: list(argv.components)! } : {}),
      packages: list(argv.packages) ?? [],
      ...(argv.out ? { out: argv.out } : {}),
      ...(argv.name ? { name: argv.name } : {}),
      ...(argv.compress
        ? { compress: argv.compress.filter((c): c is 'xz' | 'zst' | 'zip' => c !== 'none') }
        : {}),
      insecureTcp: argv['insecure-tcp'],
      allowMissingKernelOptions: argv['allow-missing-kernel-options'],
      ...requireKernelOption(argv['require-kernel']),
      with: list(argv.with) ?? [],
      ...(argv['work-dir'] ? { workDir: argv['work-dir'] } : {}),
      refresh: argv.refresh,
      offline: argv.offline,
      ...(argv.headroom !== undefined ? { headroomMiB: argv.headroom } : {}),
      ...(argv['boot-size'] !== undefined ? { bootSizeMiB: argv['boot-size'] } : {}),
      slim: argv.slim,
      ...(argv.base
        ? {
            base: {
              base: argv.base,
              ...(argv.sha256 ? { sha256: argv.sha256 } : {}),
              ...(argv['packages-from'] ? { packagesFrom: argv['packages-from'] } : {}),
            },
          }
        : {}),
    });
    printResult(argv, result, () => formatBuildResult(result));
  },
};

/** `--no-require-kernel` arrives from yargs as [false]: require nothing beyond Docker's groups. */
function requireKernelOption(v: unknown): { requireKernel?: string[] } {
  if (v === undefined) return {};
  const values = (Array.isArray(v) ? v : [v]) as unknown[];
  if (values.some((x) => x === false)) return { requireKernel: [] };
  return { requireKernel: list(values.map(String)) ?? [] };
}
