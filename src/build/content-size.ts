/**
 * How much a root filesystem tree holds (bytes and inodes, as du counts them): what its ext4 is
 * sized from, for a from-scratch image and a base image alike.
 */
import { run } from '../exec.js';

export async function contentSize(rootfs: string): Promise<{ bytes: number; inodes: number }> {
  const du = await run(['du', ['-sx', '--block-size=1', rootfs]]);
  const inodes = await run(['du', ['-sx', '--inodes', rootfs]]);
  return { bytes: Number(du.stdout.split(/\s/)[0]), inodes: Number(inodes.stdout.split(/\s/)[0]) };
}
