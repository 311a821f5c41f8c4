/**
 * A Drive as the platform scanners report it: a removable, unmounted 32 GB USB card unless the
 * test says otherwise. One literal instead of one per suite.
 */
import type { Drive } from '../../src/flash/drive.js';

export function fakeDrive(device: string, extra: Partial<Drive> = {}): Drive {
  return {
    device,
    rawDevice: device,
    sizeBytes: 32e9,
    description: 'card',
    bus: 'usb',
    kind: 'disk',
    removable: true,
    readOnly: false,
    system: false,
    mountpoints: [],
    partitions: [`${device}1`, `${device}2`],
    members: [],
    ...extra,
  };
}
