/**
 * Cleanup is registered once and runs on every exit path, SIGINT included, in reverse order
 * (unmount before losetup -d before removing the temp dir).
 *
 * This module installs no signal handler: it is a library. The CLI entry (src/cli.ts) owns the
 * process's signals and calls interrupt() and runCleanup(). A command wraps its work in
 * withCleanup(), so what it registered is undone when the command ends, not at process exit.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { InterruptedError } from './errors.js';

type Action = () => Promise<void> | void;

interface Entry {
  label: string;
  action: Action;
}

let entries: Entry[] = [];
const inFlight = new Set<Promise<unknown>>();
const scopes = new AsyncLocalStorage<Entry[]>();
let interruptedBy: string | undefined;
let controller = new AbortController();

/** Runs one taken entry; runCleanup waits for it, so process exit cannot cut it short. */
async function runEntry(entry: Entry): Promise<void> {
  const running = Promise.resolve().then(entry.action);
  inFlight.add(running);
  try {
    await running;
  } finally {
    inFlight.delete(running);
  }
}

/** Takes entries out of the registry before running them, so each action runs at most once. */
async function runEntries(pending: Entry[]): Promise<string[]> {
  entries = entries.filter((e) => !pending.includes(e));
  const failures: string[] = [];
  for (const entry of pending) {
    try {
      await runEntry(entry);
    } catch (error) {
      failures.push(`${entry.label}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return failures;
}

export function onCleanup(label: string, action: Action): () => Promise<void> {
  const entry = { label, action };
  entries.push(entry);
  scopes.getStore()?.push(entry);
  // Returns a function that runs this one action now and forgets it.
  return async () => {
    if (!entries.includes(entry)) return;
    entries = entries.filter((e) => e !== entry);
    await runEntry(entry);
  };
}

/** Everything still registered, newest first; waits for actions a scope is already running. */
export async function runCleanup(): Promise<string[]> {
  const failures = await runEntries([...entries].reverse());
  await Promise.allSettled([...inFlight]);
  return failures;
}

/**
 * Runs fn; whatever it registers with onCleanup (directly or deep in a step) is undone when fn
 * settles, in reverse order. Failures of the cleanup itself go to onFailure; fn's own error wins.
 */
export async function withCleanup<T>(
  fn: () => Promise<T>,
  onFailure: (failure: string) => void = () => undefined,
): Promise<T> {
  const mine: Entry[] = [];
  try {
    return await scopes.run(mine, fn);
  } finally {
    const pending = mine.filter((e) => entries.includes(e)).reverse();
    for (const failure of await runEntries(pending)) onFailure(failure);
  }
}

/**
 * Records an interruption (the CLI calls it from its signal handlers; an embedding program may
 * call it too). Returns false when one was already recorded, so a second Ctrl-C changes nothing.
 */
export function interrupt(signal: string): boolean {
  if (interruptedBy) return false;
  interruptedBy = signal;
  controller.abort(new InterruptedError(signal));
  return true;
}

/** Aborted once interrupt() was called: hand it to fetch, streams, timers. */
export function interruptionSignal(): AbortSignal {
  return controller.signal;
}

/** Set once interrupted; long loops call this to stop early. */
export function throwIfInterrupted(): void {
  if (interruptedBy) throw new InterruptedError(interruptedBy);
}

export function interruptedSignal(): string | undefined {
  return interruptedBy;
}

/** Tests: forget a recorded interruption. */
export function resetInterruption(): void {
  interruptedBy = undefined;
  controller = new AbortController();
}
