/**
 * planStripIdentity applied to a root filesystem tree: the strip-identity step runs it on the
 * image's root, install-docker on a base's root before it is kept in the installed-base cache.
 */
import { mkdir } from 'node:fs/promises';
import { planStripIdentity } from './plan-identity.js';
import { isNotFound } from '../fs-errors.js';
import { inRoot, readdirInRoot, rmInRoot, truncateInRoot } from '../tree/root-fs.js';

/**
 * A path that is not there (or under a component that is not a directory) is already stripped;
 * any other error is a failed strip.
 */
function absent(error: unknown): [] {
  if (isNotFound(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
  throw error;
}

/** A directory to empty that is missing is made; one that is something else fails the strip. */
function missingDir(error: unknown): [] {
  if (isNotFound(error)) return [];
  throw error;
}

async function* matches(root: string, pattern: string): AsyncGenerator<string> {
  // Patterns are one directory level deep; Node 20 has no fs.glob.
  const slash = pattern.lastIndexOf('/');
  const dir = pattern.slice(0, slash);
  const re = new RegExp(
    '^' +
      pattern
        .slice(slash + 1)
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*') +
      '$',
  );
  for (const n of await readdirInRoot(root, dir).catch(absent)) if (re.test(n)) yield `${dir}/${n}`;
}

/**
 * Applies planStripIdentity to the tree at `root`; stripping a stripped tree changes nothing.
 * Paths resolve inside the tree (root-fs.ts): a base's `var/log -> /home` empties its own /home.
 */
export async function stripTree(root: string): Promise<void> {
  const plan = planStripIdentity();
  for (const pattern of plan.remove)
    for await (const p of matches(root, pattern)) await rmInRoot(root, p);
  for (const f of plan.truncate) await truncateInRoot(root, f).catch(absent);
  for (const d of plan.empty) {
    for (const n of await readdirInRoot(root, d).catch(missingDir))
      await rmInRoot(root, `${d}/${n}`, true);
    await mkdir(await inRoot(root, d, true), { recursive: true });
  }
}
