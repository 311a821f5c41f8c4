import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { mmdebstrapCommand, packageCheckCommand } from '../../../src/build/plan-bootstrap.js';
import { stageKey } from '../../../src/build/stage-cache.js';
import { packageSet } from '../../../src/build/packages.js';
import { explainBootstrapFailure, packageProblems } from '../../../src/build/bootstrap-failure.js';
import { mountsBelow } from '../../../src/safe-remove.js';
import { parseDpkgQuery } from '../../../src/build/dpkg-query.js';
import { buildOptionProblems, validateBuildOptions } from '../../../src/build/options.js';
import { OptionError } from '../../../src/errors.js';
import { withOptionNames } from '../../../src/option-names.js';
import { resolveBuildOptions } from '../../../src/commands/build.js';
import { checkPackages } from '../../../src/build/steps/check-packages.js';
import type { StageDecision } from '../../../src/build/plan-refresh.js';

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

describe('the package check before the bootstrap', () => {
  const check = packageCheckCommand({ ...input, targetDir: '/w/armada-build-check-x/rootfs' });
  const bootstrap = mmdebstrapCommand(input);
  it('asks the bootstrap’s archive, keyring and packages, simulating only', () => {
    expect(check[0]).toBe('mmdebstrap');
    expect(check[1][0]).toBe('--simulate');
    const same = (args: readonly string[]) =>
      args.filter((a) => /^--(mode|variant|arch|components|include|keyring)=/.test(a));
    expect(same(check[1])).toEqual(same(bootstrap[1]));
    expect(check[1].slice(-3)).toEqual([
      'bookworm',
      '/w/armada-build-check-x/rootfs',
      'deb http://m.example/debian bookworm main',
    ]);
  });
  it('runs no hooks and leaves the apt cache alone (nothing is downloaded)', () => {
    expect(check[1].filter((a) => /hook=|^--dpkgopt/.test(a))).toEqual([]);
    expect(check[1].join(' ')).not.toContain('/c/apt/arm64');
  });
  it('keeps mmdebstrap’s default mirror when there are no lines, and the given keyring', () => {
    const args = packageCheckCommand({
      ...input,
      mirrorLines: [],
      keyring: '/k.gpg',
      targetDir: '/t',
    })[1];
    expect(args.at(-1)).toBe('/t');
    expect(args).toContain('--keyring=/k.gpg');
  });
});

describe('when the package check runs', () => {
  const step = checkPackages(resolveBuildOptions({ cacheDir: '/c' }));
  const skip = (stagePlan: StageDecision) => step.skip!({ timings: {}, stagePlan });
  it('before a bootstrap, and before an upgrade that installs packages', () => {
    expect(skip({ kind: 'bootstrap', why: 'no cached stage' })).toBe(false);
    expect(skip({ kind: 'refresh', from: 'k', why: 'w', install: ['openvswitch-switch'] })).toBe(
      false,
    );
  });
  it('not for a cached stage as it is (offline too), nor an upgrade that installs nothing', () => {
    expect(skip({ kind: 'hit' })).toMatch(/cached stage/);
    expect(skip({ kind: 'refresh', from: 'k', why: 'w', install: [] })).toMatch(/cached stage/);
    expect(skip({ kind: 'missing', why: 'offline' })).toMatch(/cached stage/);
  });
});

describe('what apt could not install, from its own words', () => {
  const recorded = readFileSync(
    new URL('../../fixtures/build/mmdebstrap-simulate-missing.txt', import.meta.url),
    'utf8',
  );
  it('names every missing package, and a virtual one with several providers apart', () => {
    const p = packageProblems(recorded);
    expect(p.missing).toEqual(['armada-no-such-package', 'armada-other-missing']);
    expect(p.virtual).toHaveLength(1);
    expect(p.virtual[0].name).toBe('mail-transport-agent');
    expect(p.virtual[0].providers).toHaveLength(11);
    expect(p.virtual[0].providers).toContain('postfix');
    expect(p.versions).toEqual([]);
  });
  it('says it in one line with the fix', () => {
    const text = explainBootstrapFailure(recorded)!((o) => `--${o}`);
    expect(text).not.toContain('\n');
    expect(text).toMatch(
      /^packages 'armada-no-such-package', 'armada-other-missing' were not found in the archive; 'mail-transport-agent' is a virtual package that several packages provide \(exim4-daemon-light, .*\); name one of them; check --packages, --suite and --components$/,
    );
  });
  it('keeps the one-package sentence as it was', () => {
    expect(explainBootstrapFailure('E: Unable to locate package x')!((o) => `--${o}`)).toBe(
      "package 'x' was not found in the archive; check --packages, --suite and --components",
    );
  });
  it('names a version the archive does not have', () => {
    const p = packageProblems("E: Version '9.9' for 'zstd' was not found");
    expect(p.versions).toEqual([{ name: 'zstd', version: '9.9' }]);
    expect(explainBootstrapFailure("E: Version '9.9' for 'zstd' was not found")!((o) => o)).toBe(
      "version 9.9 of package 'zstd' is not in the archive; check packages, suite and components",
    );
  });
  it('finds nothing in a run that installed everything (a one-provider virtual package included)', () => {
    const ok =
      "Note, selecting 'aalib1' instead of 'aalib-bin'\nInst aalib1 (1.4p5-51 Debian:13)\n";
    expect(packageProblems(ok)).toEqual({ missing: [], virtual: [], versions: [] });
    expect(explainBootstrapFailure(ok)).toBeUndefined();
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
