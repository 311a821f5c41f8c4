/**
 * What flash needs from the operating system, one implementation per platform.
 */
import type { Drive } from '../drive.js';
import type { OpenedIdentity } from '../identity.js';

export interface Platform {
  name: 'linux' | 'darwin';
  /** Open the device with O_EXCL (Linux: EBUSY while mounted or claimed). */
  exclusiveOpen: boolean;
  listDrives(): Promise<Drive[]>;
  /** Whole-disk device nodes holding these files, as the kernel sees it. */
  holdersOf(paths: readonly string[], drives: readonly Drive[]): Promise<string[]>;
  unmount(drive: Drive): Promise<void>;
  /**
   * What the device opened for writing is now (`rdev`: the open descriptor's st_rdev), to compare
   * with what was checked before.
   */
  identify(drive: Drive, rdev: bigint): Promise<OpenedIdentity>;
  /** Make the next reads come from the card, not from a cache. */
  dropCache(drive: Drive): Promise<void>;
  /** After the last write: re-read partitions (Linux) or eject (macOS). */
  afterWrite(drive: Drive): Promise<void>;
}
