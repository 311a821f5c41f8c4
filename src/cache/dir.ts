/**
 * Where armada keeps what it downloads and builds: `$ARMADA_CACHE_DIR`, else
 * `$XDG_CACHE_HOME/armada`, else `~/.cache/armada`. Outside the repository so that clean clones
 * and CI runs on the same machine share it.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheDir(env: Record<string, string | undefined> = process.env): string {
  return env.ARMADA_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'armada');
}
