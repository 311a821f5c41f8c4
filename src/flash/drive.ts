/**
 * A block device as armada sees it, whatever the platform tool that found it.
 */
export type DriveKind =
  | 'disk'
  | 'loop'
  | 'nbd'
  | 'zram'
  | 'raid'
  | 'device-mapper'
  | 'rom'
  | 'disk-image'
  /** Not a drive: an image file flash writes instead of a card. */
  | 'image-file';

export interface Drive {
  /** The device node people name: /dev/sdb, /dev/mmcblk0, /dev/disk4. */
  device: string;
  /** The node armada opens to write and read back: the same on Linux, /dev/rdiskN on macOS. */
  rawDevice: string;
  sizeBytes: number;
  /** Vendor, model or media name, for people. */
  description: string;
  /** Bus or transport: usb, mmc, sata, nvme, virtual… (undefined when unknown). */
  bus?: string;
  kind: DriveKind;
  removable: boolean;
  readOnly: boolean;
  /** An internal, fixed disk: where an operating system lives, never an SD card. */
  system: boolean;
  /** Mount points of the disk and everything on it ('[SWAP]' for active swap). */
  mountpoints: string[];
  /** Device nodes of its partitions (and volumes on them), to unmount before writing. */
  partitions: string[];
  /** Signatures that put the disk to other use: LVM2_member, linux_raid_member, crypto_LUKS. */
  members: string[];
  /**
   * Devices stacked on the disk that its own tree does not show (a loop device over the card or
   * one of its partitions), with their mount points and those of devices stacked on them.
   */
  holders?: { device: string; mountpoints: string[] }[];
  /** major:minor of the node, when the platform knows it (checked again after opening). */
  devNumber?: string;
  /** The medium's serial number, when the platform knows it. */
  serial?: string;
}

/** Drive kinds that are not real media: allowed only with --allow-virtual (tests use loop devices). */
export const virtualKinds: ReadonlySet<DriveKind> = new Set(['loop', 'nbd', 'disk-image']);
