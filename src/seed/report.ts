/**
 * What a written seed amounts to: configure's result, and flash's per card (src/cli/seed-report.ts
 * prints it). Never the seed's secrets, only the paths it wrote.
 */
import { parseSeedEnv } from './seed-env.js';
import type { PreparedSeed, TlsMode } from './types.js';

export interface SeedReport {
  hostname?: string;
  username?: string;
  tlsMode: TlsMode;
  serverCertSha256?: string;
  /** Paths written under the FAT partition. */
  files: string[];
  /** config.txt's armada block as written ([]: removed); absent when it was left alone. */
  configTxt?: string[];
  warnings: string[];
}

/** The report of a prepared seed (the login name is read from its own seed.env). */
export function seedReport(seed: PreparedSeed): SeedReport {
  const envFile = seed.files.find((f) => f.path === 'armada/seed.env');
  const username = envFile ? parseSeedEnv(String(envFile.content)).USERNAME : undefined;
  return {
    ...(seed.hostname ? { hostname: seed.hostname } : {}),
    ...(username ? { username } : {}),
    tlsMode: seed.tlsMode,
    ...(seed.serverCertSha256 ? { serverCertSha256: seed.serverCertSha256 } : {}),
    files: seed.files.map((f) => f.path),
    ...(seed.configTxt ? { configTxt: seed.configTxt } : {}),
    warnings: seed.warnings,
  };
}
