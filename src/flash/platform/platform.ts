/**
 * What flash needs from the operating system, one implementation per platform.
 */
import type { Drive } from '../drive.js';

export interface Platform {
  name: 'linux' | 'darwin';
  /** Open the device with O_EXCL (Linux: EBUSY while mounted or claimed). */
  exclusiveOpen: boolean;
  listDrives(): Promise<Drive[]>;
  /** Whole-disk device nodes holding these files, as the kernel sees it. */
  holdersOf(paths: readonly string[], drives: readonly Drive[]): Promise<string[]>;
  unmount(drive: Drive): Promise<void>;
  /** Make the next reads come from the card, not from a cache. */
  dropCache(drive: Drive): Promise<void>;
  /** After the last write: re-read partitions (Linux) or eject (macOS). */
  afterWrite(drive: Drive): Promise<void>;
}
