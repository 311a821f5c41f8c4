/**
 * The flag (or environment variable) of each option domain messages name (src/option-names.ts),
 * for every command. Most flags are their option names in kebab case (allowVirtual,
 * packagesFrom); the others are listed because they are not.
 */

const irregular: Record<string, string> = {
  allowAnyBus: '--dangerously-allow-any-bus',
  noBmap: '--no-bmap',
  // build
  cacheDir: 'ARMADA_CACHE_DIR',
  sourceDateEpoch: 'SOURCE_DATE_EPOCH',
  createdAtFrom: 'SOURCE_DATE_EPOCH',
  headroomMiB: '--headroom',
  bootSizeMiB: '--boot-size',
  slim: '--no-slim',
  // seed settings that are on unless turned off
  securityUpdates: '--no-security-updates',
  liveRestore: '--no-live-restore',
};

export function flagName(name: string): string {
  return irregular[name] ?? `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
