/**
 * Every debugfs command armada runs, as data: an ext4 filesystem at an offset inside an image file
 * (`image?offset=N`), read or written without a mount. Pure.
 */
import type { Command } from '../exec.js';

export interface Ext4Volume {
  path: string;
  offsetBytes: number;
}

function debugfsSpec(v: Ext4Volume): string {
  return v.offsetBytes ? `${v.path}?offset=${v.offsetBytes}` : v.path;
}

/** One request (`-R`), read-only unless `writable`. */
export function debugfsCommand(v: Ext4Volume, request: string, writable = false): Command {
  return ['debugfs', [...(writable ? ['-w'] : []), '-R', request, debugfsSpec(v)]];
}

/** A script of requests (`-f`), applied with the filesystem open for writing. */
export function debugfsScriptCommand(image: string, offsetBytes: number, script: string): Command {
  return ['debugfs', ['-w', '-f', script, `${image}?offset=${offsetBytes}`]];
}

/** Every file of the filesystem, owners and modes kept, into an empty directory. */
export function rdumpCommand(image: string, offsetBytes: number, dest: string): Command {
  return ['debugfs', ['-R', `rdump / "${dest}"`, `${image}?offset=${offsetBytes}`]];
}

/** One argument of a debugfs script line: debugfs's parser reads "" inside quotes as one quote. */
export const debugfsQuote = (s: string) => `"${s.replaceAll('"', '""')}"`;

/** debugfs exits 0 even when a request fails; its errors are the stderr lines after the banner. */
export const debugfsErrors = (stderr: string): string[] =>
  stderr.split('\n').filter((l) => l.trim() && !l.startsWith('debugfs '));
