/**
 * Cleanup is registered once and runs on every exit path, SIGINT included, in reverse order
 * (unmount before losetup -d before removing the temp dir).
 */
import { InterruptedError } from './errors.js';

type Action = () => Promise<void> | void;

interface Entry {
  id: number;
  label: string;
  action: Action;
}

let entries: Entry[] = [];
let nextId = 1;
let installed = false;
let interruptedBy: string | undefined;

export function onCleanup(label: string, action: Action): () => Promise<void> {
  installSignalHandlers();
  const entry = { id: nextId++, label, action };
  entries.push(entry);
  // Returns a function that runs this one action now and forgets it.
  return async () => {
    if (!entries.includes(entry)) return;
    entries = entries.filter((e) => e !== entry);
    await entry.action();
  };
}

export async function runCleanup(): Promise<string[]> {
  const failures: string[] = [];
  const pending = entries.reverse();
  entries = [];
  for (const entry of pending) {
    try {
      await entry.action();
    } catch (error) {
      failures.push(`${entry.label}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return failures;
}

/** Set once a signal arrived; long loops call this to stop early. */
export function throwIfInterrupted(): void {
  if (interruptedBy) throw new InterruptedError(interruptedBy);
}

export function interruptedSignal(): string | undefined {
  return interruptedBy;
}

let signalListener: ((signal: string) => void) | undefined;

/** The CLI decides what a signal does (cleanup, then exit 4); the registry only records it. */
export function setSignalListener(listener: (signal: string) => void): void {
  signalListener = listener;
  installSignalHandlers();
}

function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (interruptedBy) return;
      interruptedBy = signal;
      signalListener?.(signal);
    });
  }
}
