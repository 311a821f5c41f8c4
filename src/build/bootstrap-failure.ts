/**
 * Why mmdebstrap or apt failed, in their own words turned into the fix: the bootstrap and the
 * stage refresh run the same tools and fail the same ways.
 */
import type { OptionLabel } from '../option-names.js';

/** mmdebstrap's own words, turned into the fix (options named by the caller's labels). */
export function explainBootstrapFailure(
  stderr: string,
): ((option: OptionLabel) => string) | undefined {
  const missing =
    /Unable to locate package (\S+)|Package '?([^' ]+)'? has no installation candidate/.exec(
      stderr,
    );
  if (missing)
    return (o) =>
      `package '${missing[1] ?? missing[2]}' was not found in the archive; check ${o('packages')}, ${o('suite')} and ${o('components')}`;
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
