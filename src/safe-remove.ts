/**
 * Removing a bootstrap directory is dangerous: an interrupted mmdebstrap can leave the host's
 * /dev, /proc or /sys bind-mounted inside it, and a plain recursive delete would walk into them.
 * So: unmount whatever is mounted below the directory (deepest first), then delete without
 * crossing filesystem boundaries.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UserError } from './errors.js';
import { run } from './exec.js';

/** Pure: mount points below dir from /proc/self/mounts text, deepest first. */
export function mountsBelow(mountsText: string, dir: string): string[] {
  const root = resolve(dir) + '/';
  return mountsText
    .split('\n')
    .map((l) => l.split(' ')[1])
    .filter((m): m is string => Boolean(m))
    .map((m) => m.replace(/\\040/g, ' '))
    .filter((m) => m.startsWith(root) || m + '/' === root)
    .sort((a, b) => b.length - a.length);
}

const removeAttempts = 5;
const retryDelayMs = 2000;

/**
 * No catch around reading the mount table: without it we cannot know what is mounted below
 * dir, and deleting blind is what this function exists to prevent. umount may fail (already
 * gone); the second reading is the check.
 */
export async function safeRemoveTree(dir: string, mountTable = '/proc/self/mounts'): Promise<void> {
  const mounts = mountsBelow(await readFile(mountTable, 'utf8'), dir);
  for (const m of mounts) await run(['umount', ['--lazy', m]], { allowFailure: true });
  const left = mountsBelow(await readFile(mountTable, 'utf8'), dir);
  if (left.length)
    throw new UserError(
      `refusing to delete ${dir}: still mounted below it: ${left.join(', ')}; unmount them (sudo umount -R ${left[left.length - 1]}) and run again`,
    );
  // After Ctrl-C, mmdebstrap exits before the dpkg it ran in the chroot has: a file written
  // meanwhile makes rm fail with "Directory not empty". Those writers are gone within seconds.
  for (let attempt = 1; ; attempt++) {
    const rm = await run(['rm', ['-rf', '--one-file-system', '--', resolve(dir)]], {
      allowFailure: attempt < removeAttempts,
    });
    if (rm.exitCode === 0) return;
    await new Promise((r) => setTimeout(r, retryDelayMs));
  }
}
