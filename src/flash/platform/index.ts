import { UserError } from '../../errors.js';
import type { Platform } from './platform.js';

export type { Platform } from './platform.js';

/** The platform implementation, loaded lazily (each pulls in its own tools). */
export async function currentPlatform(): Promise<Platform> {
  if (process.platform === 'linux') return (await import('./linux.js')).linux;
  if (process.platform === 'darwin') return (await import('./darwin.js')).darwin;
  throw new UserError(
    `armada flash runs on Linux and macOS, not ${process.platform}; on Windows use WSL2 or another flasher`,
  );
}
