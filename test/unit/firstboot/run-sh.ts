/**
 * Runs pieces of the rendered first-boot script in a real POSIX shell: the script is sourced
 * with `lib` (functions only, nothing runs), fd 3 (the console) goes to stderr, and the test's
 * snippet calls the functions with paths inside a temp dir.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { firstBootPaths, planFirstBootFiles } from '../../../src/firstboot/plan.js';

import { hasTool } from '../../helpers/tools.js';

export const have = hasTool;

/** The device runs dash (/bin/sh on Debian); bash catches reliance on dash quirks. */
export const shells = ['dash', 'bash'].filter(have);

export function planned(path: string, insecureTcp = false): string {
  const f = planFirstBootFiles({ armadaVersion: '1.2.3', insecureTcp }).files.find(
    (x) => x.path === path,
  );
  if (!f) throw new Error(`${path} is not planned`);
  return String(f.content);
}

/** Writes the rendered firstboot.sh into dir and returns its path. */
export function writeScript(dir: string): string {
  const path = join(dir, 'firstboot.sh');
  writeFileSync(path, planned(firstBootPaths.script), { mode: 0o755 });
  return path;
}

export interface ShResult {
  status: number | null;
  stdout: string;
  /** fd 2 and the console (fd 3). */
  stderr: string;
}

export function runLib(
  script: string,
  snippet: string,
  shell = 'dash',
  env: Record<string, string> = {},
): ShResult {
  const r = spawnSync(shell, ['-c', `set -- lib; . "$0"; exec 3>&2; ${snippet}`, script], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Single-quotes a value for a test snippet. */
export function q(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
