/**
 * Why mmdebstrap or apt failed, in their own words turned into the fix: the bootstrap, the stage
 * refresh and the package check before them (check-packages) run the same tools and fail the
 * same ways. Pure: apt's output in, words out.
 */
import type { OptionLabel } from '../option-names.js';

/** What apt could not install, by name, as it said so (every name, in its order). */
export interface PackageProblems {
  /** No package and no provider of that name in the sources' indexes. */
  missing: string[];
  /** Virtual packages more than one package provides: apt will not choose, so neither do we. */
  virtual: { name: string; providers: string[] }[];
  /** `name=version` asked for, and that version is not in the indexes. */
  versions: { name: string; version: string }[];
}

/**
 * apt's words for a name it cannot install. A virtual package with one provider is installed
 * through it (apt says "Note, selecting …" and goes on), so it never shows up here; one with
 * several lists them and then says it "has no installation candidate".
 */
export function packageProblems(stderr: string): PackageProblems {
  const virtual: PackageProblems['virtual'] = [];
  for (const m of stderr.matchAll(
    /^Package (\S+) is a virtual package provided by:\n((?:[ \t]+\S.*\n?)*)/gm,
  ))
    virtual.push({
      name: m[1],
      providers: m[2]
        .split('\n')
        .map((l) => l.trim().split(/\s+/)[0])
        .filter(Boolean),
    });
  const isVirtual = new Set(virtual.map((v) => v.name));
  const missing: string[] = [];
  for (const m of stderr.matchAll(
    /Unable to locate package (\S+)|Package '?([^' \n]+)'? has no installation candidate/g,
  )) {
    const name = m[1] ?? m[2];
    if (!isVirtual.has(name) && !missing.includes(name)) missing.push(name);
  }
  const versions = [...stderr.matchAll(/Version '([^']+)' for '([^']+)' was not found/g)].map(
    (m) => ({ name: m[2], version: m[1] }),
  );
  return { missing, virtual, versions };
}

const quoted = (names: readonly string[]) => names.map((n) => `'${n}'`).join(', ');

/** One sentence for everything apt could not install, or undefined when it named nothing. */
function explainPackages(p: PackageProblems): ((option: OptionLabel) => string) | undefined {
  const parts: ((o: OptionLabel) => string)[] = [];
  if (p.missing.length === 1)
    parts.push(() => `package ${quoted(p.missing)} was not found in the archive`);
  else if (p.missing.length)
    parts.push(() => `packages ${quoted(p.missing)} were not found in the archive`);
  for (const v of p.versions)
    parts.push(() => `version ${v.version} of package '${v.name}' is not in the archive`);
  for (const v of p.virtual)
    parts.push(
      () =>
        `'${v.name}' is a virtual package that several packages provide (${v.providers.join(', ')}); name one of them`,
    );
  if (!parts.length) return undefined;
  return (o) =>
    `${parts.map((part) => part(o)).join('; ')}; check ${o('packages')}, ${o('suite')} and ${o('components')}`;
}

/** mmdebstrap's own words, turned into the fix (options named by the caller's labels). */
export function explainBootstrapFailure(
  stderr: string,
): ((option: OptionLabel) => string) | undefined {
  const packages = explainPackages(packageProblems(stderr));
  if (packages) return packages;
  if (
    /Failed to fetch|Could not resolve|Temporary failure resolving|Connection failed|Unable to connect/.test(
      stderr,
    )
  )
    return (o) =>
      `the package mirror could not be reached; check the network or pass ${o('mirror')}`;
  if (/NO_PUBKEY|not signed|is not signed|signatures couldn't be verified/i.test(stderr))
    return (o) =>
      `the archive signature could not be verified; pass ${o('keyring')} with the archive’s key`;
  if (/No space left on device/.test(stderr))
    return () => 'the disk is full; free space in the cache directory (ARMADA_CACHE_DIR)';
  if (/exec format error/i.test(stderr))
    return () =>
      'foreign binaries cannot run: enable qemu-user binfmt (sudo scripts/setup-host.sh)';
  return undefined;
}
