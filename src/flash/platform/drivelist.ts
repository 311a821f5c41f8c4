/**
 * drivelist (Balena's native drive scanner), loaded lazily: when its native part does not load
 * the platform tools (lsblk, diskutil) still give a full answer.
 */
import { log } from '../../log.js';

export interface DrivelistDrive {
  device: string;
  raw: string;
  description: string;
  isSystem: boolean;
  isRemovable: boolean;
  isVirtual: boolean | null;
  isReadOnly: boolean;
  busType: string;
  size: number | null;
  mountpoints: { path: string }[];
}

export async function drivelistDrives(): Promise<DrivelistDrive[]> {
  try {
    const drivelist = await import('drivelist');
    return await drivelist.list();
  } catch (error) {
    log.debug(`drivelist unavailable: ${(error as Error).message}`);
    return [];
  }
}
