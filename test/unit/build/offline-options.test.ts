/**
 * `build --offline`: the option combinations that cannot work without the network are usage
 * errors named by their flags, and the manifest records an offline build.
 */
import { describe, expect, it } from 'vitest';
import { resolveBuildOptions, type BuildRequest } from '../../../src/commands/build.js';
import { buildManifest } from '../../../src/build/manifest.js';
import { OptionError } from '../../../src/errors.js';
import { withOptionNames } from '../../../src/option-names.js';

const flags: Record<string, string> = {
  offline: '--offline',
  refresh: '--refresh',
  base: '--base',
  sha256: '--sha256',
  packagesFrom: '--packages-from',
};

/** The problems resolveBuildOptions reports, as the CLI prints them; [] when it accepts. */
function problems(r: BuildRequest): { exitCode?: number; details: readonly string[] } {
  try {
    withOptionNames(
      (o) => flags[o] ?? o,
      () => resolveBuildOptions({ cacheDir: '/c', ...r }),
    );
    return { details: [] };
  } catch (error) {
    expect(error).toBeInstanceOf(OptionError);
    const e = error as OptionError;
    return { exitCode: e.exitCode, details: e.details };
  }
}

const sha = 'ab'.repeat(32);

describe('build --offline options', () => {
  it.each([
    {
      what: 'with --refresh: a fresh bootstrap needs the archive',
      r: { offline: true, refresh: true },
      details: ['--offline cannot go with --refresh: a fresh bootstrap needs the archive'],
    },
    {
      what: 'a base without --packages-from would install Docker from an archive',
      r: { offline: true, base: { base: '/srv/raspios.img.xz' } },
      details: [
        "--offline with --base needs --packages-from (a directory of Docker's .debs): otherwise Docker is installed from an archive",
      ],
    },
    {
      what: 'a base URL without --sha256 cannot be found in the download cache',
      r: {
        offline: true,
        refresh: true,
        base: { base: 'https://downloads.example/raspios.img.xz', packagesFrom: '/debs' },
      },
      details: [
        '--offline cannot go with --refresh: a fresh bootstrap needs the archive',
        '--offline with a --base URL needs --sha256: the download cache is looked up by it',
      ],
    },
  ])('refuses $what (exit 2, every problem listed)', ({ r, details }) => {
    expect(problems(r)).toEqual({ exitCode: 2, details });
  });

  it.each([
    { what: 'a plain offline build', r: { offline: true } },
    {
      what: 'a local base with .debs',
      r: { offline: true, base: { base: '/srv/raspios.img.xz', packagesFrom: '/debs' } },
    },
    {
      what: 'a base URL with its SHA-256 and .debs',
      r: {
        offline: true,
        base: {
          base: 'https://downloads.example/raspios.img.xz',
          sha256: sha,
          packagesFrom: '/debs',
        },
      },
    },
    {
      what: 'the same combinations with the network',
      r: { refresh: true, base: { base: 'https://downloads.example/raspios.img.xz' } },
    },
  ])('accepts $what', ({ r }) => {
    expect(problems(r)).toEqual({ details: [] });
  });

  it('is off by default and recorded in the manifest options either way', () => {
    const online = resolveBuildOptions({ cacheDir: '/c' });
    expect(online.offline).toBe(false);
    const at = new Date('2026-01-01T00:00:00Z');
    const options = (o: typeof online) =>
      buildManifest(o, { timings: {} }, [], at).options as Record<string, unknown>;
    expect(options(online).offline).toBe(false);
    expect(options(resolveBuildOptions({ cacheDir: '/c', offline: true })).offline).toBe(true);
  });
});
