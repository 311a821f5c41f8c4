/**
 * An image file as a flash target ("armada flash pi.img.xz out.img --hostname pi-1"): a seeded,
 * ready-to-dd image for people who write cards with another tool. Written under a temporary name
 * beside it and renamed only when complete; an existing file is never overwritten.
 */
import { rename, rm, stat, truncate } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { Drive } from './drive.js';
import type { Platform } from './platform/index.js';

/** A named target that is no device: a path outside /dev that is not there yet (or a file). */
export async function isImageFileTarget(name: string): Promise<boolean> {
  if (name.startsWith('/dev/') || !/[/.]/.test(name)) return false;
  const info = await stat(name).catch(() => undefined);
  return !info || info.isFile();
}

export async function imageFileTarget(name: string): Promise<Drive> {
  const path = resolve(name);
  if (await stat(path).catch(() => undefined))
    throw new UserError(`${name} exists; remove it or name a new image file; nothing was written`);
  const dir = await stat(dirname(path)).catch(() => undefined);
  if (!dir?.isDirectory())
    throw new UserError(
      `${dirname(path)} is not a directory; name an image file in an existing one`,
    );
  return {
    device: path,
    rawDevice: join(dirname(path), `.${basename(path)}.armada-${process.pid}.part`),
    // Grows as written; the image's size is set when it is complete.
    sizeBytes: Number.MAX_SAFE_INTEGER,
    description: 'image file',
    kind: 'image-file',
    removable: false,
    readOnly: false,
    system: false,
    mountpoints: [],
    partitions: [],
    members: [],
  };
}

/** The image's own length (a bmap leaves the tail unwritten, O_DIRECT pads the last block). */
export async function completeImageFile(drive: Drive, imageBytes: number): Promise<void> {
  await truncate(drive.rawDevice, imageBytes);
  await rename(drive.rawDevice, drive.device);
}

export async function removePartial(drive: Drive): Promise<void> {
  await rm(drive.rawDevice, { force: true });
}

/** What the platform does for cards, for image files: nothing to unmount, eject or flush. */
export function withImageFiles(platform: Platform): Platform {
  const file = (d: Drive) => d.kind === 'image-file';
  return {
    ...platform,
    unmount: (d) => (file(d) ? Promise.resolve() : platform.unmount(d)),
    identify: (d, rdev) => (file(d) ? Promise.resolve({}) : platform.identify(d, rdev)),
    dropCache: (d) => (file(d) ? Promise.resolve() : platform.dropCache(d)),
    afterWrite: (d) => (file(d) ? Promise.resolve() : platform.afterWrite(d)),
  };
}
