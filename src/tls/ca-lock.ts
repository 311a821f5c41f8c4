/**
 * `<cfg>/ca/.lock`: two runs on a fresh config dir (two `configure`s, a `flash` and a `ca init`)
 * must not each make a CA, or the card seeded by the loser trusts a CA nobody keeps.
 *
 * The lock is created whole (its owner in a temp file, hard-linked into place), so a failed write
 * (ENOSPC) never leaves an empty lock. Its removal is registered before it exists and runs on every
 * exit path, SIGINT included, and removes only this run's lock. A lock whose owner is gone (killed,
 * power lost) is taken over at once, saying so; one from another host is trusted until it is old.
 */
import { link, readFile, rename, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { onCleanup, throwIfInterrupted } from '../cleanup.js';
import { makeUserDir } from '../config-dir.js';
import { UserError } from '../errors.js';
import { isNotFound } from '../fs-errors.js';
import { log } from '../log.js';
import { createFileExclusive } from './config-files.js';

/** How long a run waits for another run's lock before giving up. */
const lockWaitMs = 30_000;
/** A lock older than this is taken over even when its owner cannot be checked (another host). */
const staleLockMs = 120_000;
/** A lock without an owner (older armada versions wrote the pid after creating it) this old is stale. */
const ownerlessStaleMs = 10_000;

export interface LockOwner {
  pid: number;
  /** Absent in locks written by older armada versions (just the pid): taken as this host. */
  host?: string;
}

/** Pure: the owner a lock file names (`<pid> <host> <token>`, or just `<pid>`), if any. */
export function parseLockOwner(text: string): LockOwner | undefined {
  const [pid, host] = text.trim().split(/\s+/);
  if (!/^[1-9][0-9]*$/.test(pid ?? '')) return undefined;
  return { pid: Number(pid), ...(host ? { host } : {}) };
}

export interface LockFacts {
  owner: LockOwner | undefined;
  ageMs: number;
  /** This process and host. */
  self: { pid: number; host: string };
  /** The lock is one this process holds now (another call in it, waiting its turn). */
  heldHere: boolean;
  /** Whether a pid runs on this host (kill -0); only asked for this host's pids. */
  alive: (pid: number) => boolean;
}

/** Pure: why a lock can be taken over now, or undefined while its owner may still hold it. */
export function staleLockReason(f: LockFacts): string | undefined {
  const { owner } = f;
  if (!owner)
    return f.ageMs > ownerlessStaleMs
      ? `it names no owner and is ${Math.round(f.ageMs / 1000)} s old`
      : undefined;
  const here = owner.host === undefined || owner.host === f.self.host;
  // This pid, but not a lock this process holds: an earlier process's (pids repeat in containers).
  const earlier = owner.pid === f.self.pid && !f.heldHere;
  if (here && (earlier || (owner.pid !== f.self.pid && !f.alive(owner.pid))))
    return `armada process ${owner.pid}, which made it, is no longer running`;
  if (f.ageMs > staleLockMs)
    return `it is ${Math.round(f.ageMs / 1000)} s old (process ${owner.pid}${here ? '' : ` on ${owner.host}`} made it)`;
  return undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(lock: string): Promise<{ text: string; ino: number; mtimeMs: number }> {
  const s = await stat(lock);
  return { text: await readFile(lock, 'utf8'), ino: s.ino, mtimeMs: s.mtimeMs };
}

/**
 * Removes the stale lock `ino` unless another run replaced it meanwhile: the lock is renamed aside
 * (atomic), and put back if what was moved is not the lock judged stale.
 */
async function takeOver(lock: string, ino: number): Promise<void> {
  const aside = `${lock}.stale-${randomBytes(4).toString('hex')}`;
  try {
    await rename(lock, aside);
  } catch (error) {
    if (isNotFound(error)) return; // another run took it over first
    throw error;
  }
  // Not the lock judged stale: another run's fresh one, put back (link never replaces a third).
  if ((await stat(aside)).ino !== ino) await link(aside, lock).catch(() => undefined);
  await rm(aside, { force: true });
}

/** The locks (their text) calls in this process hold or are about to. */
const heldHere = new Set<string>();

/** Removes the lock only while it is still this run's. */
async function release(lock: string, mine: string): Promise<void> {
  const text = await readFile(lock, 'utf8').catch(() => undefined);
  if (text === mine) await rm(lock, { force: true });
}

/** Runs `fn` holding `<caDir>/.lock`, made by this run alone (O_EXCL semantics, via link). */
export async function withCaLock<T>(
  caDir: string,
  fn: () => Promise<T>,
  opts: { waitMs?: number } = {},
): Promise<T> {
  await makeUserDir(caDir);
  const lock = join(caDir, '.lock');
  const mine = `${process.pid} ${hostname()} ${randomBytes(8).toString('hex')}\n`;
  // Known before it exists: another call in this process must see it as held, not as left over.
  heldHere.add(mine);
  // Registered first: an interruption right after the lock appears still removes it.
  const unlock = onCleanup(`remove ${lock}`, async () => {
    await release(lock, mine);
    heldHere.delete(mine);
  });
  try {
    const deadline = Date.now() + (opts.waitMs ?? lockWaitMs);
    while (!(await createFileExclusive(lock, mine, 0o600))) {
      throwIfInterrupted();
      const held = await readLock(lock).catch((error: unknown) => {
        if (isNotFound(error)) return undefined; // released meanwhile: try again
        throw error;
      });
      if (!held) continue;
      const owner = parseLockOwner(held.text);
      const stale = staleLockReason({
        owner,
        ageMs: Date.now() - held.mtimeMs,
        self: { pid: process.pid, host: hostname() },
        heldHere: heldHere.has(held.text),
        alive: isAlive,
      });
      if (stale) {
        log.warn(`taking over ${lock}: ${stale}`);
        await takeOver(lock, held.ino);
        continue;
      }
      if (Date.now() > deadline)
        throw new UserError(
          `another armada run${owner ? ` (process ${owner.pid}${owner.host && owner.host !== hostname() ? ` on ${owner.host}` : ''})` : ''} is creating the laptop CA and holds ${lock}; ` +
            `wait for it to finish, or delete that file if no armada is running`,
        );
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80));
    }
    return await fn();
  } finally {
    await unlock();
  }
}
