/**
 * planStripIdentity applied to a root filesystem tree: the strip-identity step runs it on the
 * image's root, install-docker on a base's root before it is kept in the installed-base cache.
 */
import { readdir, rm, truncate, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { planStripIdentity } from './plan-identity.js';
import { isNotFound } from '../fs-errors.js';

/** A path that is not there is already stripped; any other error is a failed strip. */
function absent(error: unknown): [] {
  if (isNotFound(error)) return [];
  throw error;
}

async function* matches(root: string, pattern: string): AsyncGenerator<string> {
  // Patterns are one directory level deep; Node 20 has no fs.glob.
  const slash = pattern.lastIndexOf('/');
  const dir = join(root, pattern.slice(0, slash));
  const re = new RegExp(
    '^' +
      pattern
        .slice(slash + 1)
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*') +
      '$',
  );
  for (const n of await readdir(dir).catch(absent)) if (re.test(n)) yield join(dir, n);
}

/** Applies planStripIdentity to the tree at `root`; stripping a stripped tree changes nothing. */
export async function stripTree(root: string): Promise<void> {
  const plan = planStripIdentity();
  for (const pattern of plan.remove)
    for await (const p of matches(root, pattern)) await rm(p, { force: true, recursive: false });
  for (const f of plan.truncate) await truncate(join(root, f), 0).catch(absent);
  for (const d of plan.empty) {
    const dir = join(root, d);
    for (const n of await readdir(dir).catch(absent))
      await rm(join(dir, n), { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
  }
}
