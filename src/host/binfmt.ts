/**
 * Can this machine run arm64/armhf programs (for mmdebstrap's chroot)? Natively, or through a
 * qemu-user binfmt handler. One check for build's check-host and for doctor.
 */
import { readFile } from 'node:fs/promises';
import { arch as hostArch } from 'node:os';
import { unlessMissing } from '../fs-errors.js';

export type ForeignArch = 'arm64' | 'armhf';

const handler: Record<ForeignArch, string> = { arm64: 'qemu-aarch64', armhf: 'qemu-arm' };

export function isNativeArch(arch: ForeignArch, host: string = hostArch()): boolean {
  return (arch === 'arm64' && host === 'arm64') || (arch === 'armhf' && host === 'arm');
}

/** Is the qemu-user handler registered and enabled? A missing entry means no; other errors throw. */
export async function binfmtEnabled(arch: ForeignArch): Promise<boolean> {
  const entry = `/proc/sys/fs/binfmt_misc/${handler[arch]}`;
  return (await unlessMissing(readFile(entry, 'utf8'), '')).startsWith('enabled');
}

/** Natively or emulated. */
export async function canRun(arch: ForeignArch): Promise<boolean> {
  return isNativeArch(arch) || (await binfmtEnabled(arch));
}
