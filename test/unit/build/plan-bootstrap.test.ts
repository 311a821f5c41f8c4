import { describe, expect, it } from 'vitest';
import { mmdebstrapCommand } from '../../../src/build/plan-bootstrap.js';
import { stageKey } from '../../../src/build/stage-cache.js';
import { packageSet } from '../../../src/build/packages.js';
import { explainBootstrapFailure } from '../../../src/build/bootstrap-failure.js';
import { mountsBelow } from '../../../src/safe-remove.js';
import { parseDpkgQuery } from '../../../src/build/dpkg-query.js';
import { buildOptionProblems, validateBuildOptions } from '../../../src/build/options.js';
import { OptionError } from '../../../src/errors.js';
import { withOptionNames } from '../../../src/option-names.js';
import { resolveBuildOptions } from '../../../src/commands/build.js';

const input = {
  arch: 'arm64' as const,
  suite: 'bookworm',
  mirrorLines: ['deb http://m.example/debian bookworm main'],
  components: ['main', 'non-free-firmware'],
  packages: packageSet('arm64', 'bookworm', []),
  targetDir: '/c/stages/k.partial/rootfs',
  aptCacheDir: '/c/apt/arm64',
  initramfsModules: ['ext4', 'virtio_blk'],
};

describe('mmdebstrap command', () => {
  const [file, args] = mmdebstrapCommand(input);
  it('bootstraps the suite into the target from the given mirror lines', () => {
    expect(file).toBe('mmdebstrap');
    expect(args.slice(-3)).toEqual([
      'bookworm',
      '/c/stages/k.partial/rootfs',
      'deb http://m.example/debian bookworm main',
    ]);
    expect(args).toContain('--arch=arm64');
    expect(args).toContain('--components=main,non-free-firmware');
    expect(args.find((a) => a.startsWith('--include='))).toContain('docker.io');
  });

  it('keeps downloaded packages in the cache', () => {
    expect(args).toContain('--setup-hook=sync-in /c/apt/arm64 /var/cache/apt/archives/');
    expect(args).toContain('--customize-hook=sync-out /var/cache/apt/archives /c/apt/arm64');
    expect(args).toContain('--skip=essential/unlink');
  });

  it('defers update-initramfs during the install and runs it once with the module list', () => {
    const essential = args.filter((a) => a.startsWith('--essential-hook='));
    expect(essential.join('\n')).toContain('dpkg-divert --quiet --local --rename');
    const customize = args.filter((a) => a.startsWith('--customize-hook='));
    const order = [
      'dpkg-divert --quiet --local --rename --remove',
      'etc/initramfs-tools/modules',
      'update-initramfs -c -k all',
    ];
    const idx = order.map((o) => customize.findIndex((c) => c.includes(o)));
    expect(idx.every((i) => i >= 0)).toBe(true);
    expect([...idx].sort((a, b) => a - b)).toEqual(idx);
    expect(customize.join('\n')).toContain('ext4\\nvirtio_blk');
  });

  it('verifies with Debian’s archive keyring unless --keyring names another (never all the host’s keys)', () => {
    expect(args.filter((a) => a.startsWith('--keyring'))).toEqual([
      '--keyring=/usr/share/keyrings/debian-archive-keyring.gpg',
    ]);
    const given = mmdebstrapCommand({ ...input, keyring: '/k.gpg' })[1];
    expect(given.filter((a) => a.startsWith('--keyring'))).toEqual(['--keyring=/k.gpg']);
  });
});

describe('stage cache key', () => {
  const base = {
    arch: 'arm64',
    suite: 'bookworm',
    mirrorLines: ['a'],
    components: ['main'],
    packages: ['x', 'y'],
    initramfsModules: ['ext4'],
    archiveState: ['s1'],
  };
  it('is stable for the same inputs and ignores package order', () => {
    expect(stageKey(base)).toBe(stageKey({ ...base, packages: ['y', 'x'] }));
  });
  it('changes with the archive state, packages, modules and epoch', () => {
    const k = stageKey(base);
    expect(stageKey({ ...base, archiveState: ['s2'] })).not.toBe(k);
    expect(stageKey({ ...base, packages: ['x'] })).not.toBe(k);
    expect(stageKey({ ...base, initramfsModules: ['ext4', 'vfat'] })).not.toBe(k);
    expect(stageKey({ ...base, sourceDateEpoch: 1 })).not.toBe(k);
  });
});

describe('bootstrap failures name the fix', () => {
  it.each([
    ['E: Unable to locate package dockr.io', /package 'dockr.io' was not found/],
    ["E: Package 'foo' has no installation candidate", /package 'foo' was not found/],
    ['E: Failed to fetch http://m/debian/dists/bookworm/InRelease', /mirror could not be reached/],
    ['W: GPG error: NO_PUBKEY 1234', /pass <keyring> with/],
    ['write error: No space left on device', /disk is full/],
  ])('%s', (stderr, fix) => {
    expect(explainBootstrapFailure(stderr)?.((o) => `<${o}>`)).toMatch(fix);
  });
  it('names options through the caller’s labels, so the CLI can say its flags', () => {
    const phrase = explainBootstrapFailure('E: Unable to locate package x')!;
    expect(phrase((o) => o)).toMatch(/check packages, suite and components$/);
    expect(phrase((o) => `--${o}`)).toMatch(/check --packages, --suite and --components$/);
  });
  it('says nothing for unknown failures', () => {
    expect(explainBootstrapFailure('something else')).toBeUndefined();
  });
});

describe('safe removal', () => {
  it('lists mounts below a directory, deepest first, and nothing else', () => {
    const mounts =
      'proc /proc proc rw 0 0\n/dev /w/rootfs/dev none rw 0 0\n/dev/pts /w/rootfs/dev/pts devpts rw 0 0\nx /w/rootfs2 tmpfs rw 0 0\n';
    expect(mountsBelow(mounts, '/w/rootfs')).toEqual(['/w/rootfs/dev/pts', '/w/rootfs/dev']);
  });
});

describe('package inventory', () => {
  it('keeps installed packages only, sorted', () => {
    const out =
      'installed\tzstd\t1.5.4\tarm64\nconfig-files\told\t1\tarm64\ninstalled\tbash\t5.2\tarm64\n';
    expect(parseDpkgQuery(out)).toEqual([
      { name: 'bash', version: '5.2', arch: 'arm64' },
      { name: 'zstd', version: '1.5.4', arch: 'arm64' },
    ]);
  });
});

describe('build options', () => {
  it('has safe defaults: arm64 trixie (Debian 13), TLS only, xz', () => {
    const o = resolveBuildOptions({ cacheDir: '/c' });
    expect(o).toMatchObject({
      arch: 'arm64',
      suite: 'trixie',
      insecureTcp: false,
      compress: ['xz'],
      components: ['main', 'non-free-firmware'],
    });
    expect(o.name).toBe('armada-trixie-arm64');
  });
  it('lists every problem at once, each tied to its option', () => {
    const o = resolveBuildOptions({ cacheDir: '/c' });
    const bad = { ...o, arch: 'x86' as never, packages: ['ok', 'BAD PKG'], bootSizeMiB: 100 };
    expect(buildOptionProblems(bad)).toEqual([
      { option: 'arch', text: "must be arm64 or armhf, not 'x86'" },
      { option: 'packages', text: "'BAD PKG' is not a package name" },
      { option: 'bootSizeMiB', text: 'must be 256–512 MiB (docs/image-layout.md)' },
    ]);
    let error: unknown;
    try {
      validateBuildOptions(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OptionError);
    expect((error as OptionError).exitCode).toBe(2);
    // The domain names options; the CLI names them as flags.
    expect((error as OptionError).details).toContain("arch must be arm64 or armhf, not 'x86'");
    let flags: unknown;
    withOptionNames(
      (opt) => (opt === 'bootSizeMiB' ? '--boot-size' : `--${opt}`),
      () => {
        try {
          validateBuildOptions(bad);
        } catch (e) {
          flags = e;
        }
      },
    );
    expect((flags as OptionError).details).toEqual([
      "--arch must be arm64 or armhf, not 'x86'",
      "--packages 'BAD PKG' is not a package name",
      '--boot-size must be 256–512 MiB (docs/image-layout.md)',
    ]);
    expect((flags as OptionError).exitCode).toBe(2);
  });
});
