/**
 * `make install` as a new user runs it: `armada` on PATH (PREFIX/bin) as a link to this
 * checkout's bin/armada.js, working from any directory; `make uninstall` removes only that link,
 * and neither touches a file of the same name that is not armada's.
 */
import { spawnSync } from 'node:child_process';
import {
  lstatSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { suiteTempDir } from '../../helpers/tmp.js';

const root = new URL('../../../', import.meta.url).pathname.replace(/\/$/, '');
const dir = await suiteTempDir('armada-install-');

function run(file: string, args: string[], cwd = root) {
  const r = spawnSync(file, args, { cwd, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('make install / make uninstall', () => {
  test('make install PREFIX=… links armada, which runs from anywhere; make uninstall removes it', () => {
    const prefix = join(dir, 'prefix');
    const installed = run('make', ['--no-print-directory', 'install', `PREFIX=${prefix}`]);
    expect(installed.status, installed.stderr).toBe(0);
    const link = join(prefix, 'bin', 'armada');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(join(root, 'bin', 'armada.js'));
    expect(installed.stderr).toContain(`install: ${link} → ${join(root, 'bin', 'armada.js')}`);
    const version = run(link, ['--version'], dir);
    expect(version.status, version.stderr).toBe(0);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(version.stdout).toContain(pkg.version);
    // Again: idempotent.
    expect(run('make', ['--no-print-directory', 'install', `PREFIX=${prefix}`]).status).toBe(0);
    const removed = run('make', ['--no-print-directory', 'uninstall', `PREFIX=${prefix}`]);
    expect(removed.status, removed.stderr).toBe(0);
    expect(() => lstatSync(link)).toThrow(/ENOENT/);
  });

  test('an armada that is not this checkout’s link is left as it is, with the fix named', () => {
    const prefix = join(dir, 'foreign');
    mkdirSync(join(prefix, 'bin'), { recursive: true });
    const file = join(prefix, 'bin', 'armada');
    writeFileSync(file, '#!/bin/sh\necho someone else\n', { mode: 0o755 });
    const refused = run('scripts/install.sh', [prefix]);
    expect(refused.status).toBe(1);
    expect(refused.stderr.trim()).toBe(
      `install: ${file} exists and is not a link; move it away or choose another PREFIX (make install PREFIX=~/.local)`,
    );
    expect(readFileSync(file, 'utf8')).toBe('#!/bin/sh\necho someone else\n');

    const other = join(dir, 'other-link');
    mkdirSync(join(other, 'bin'), { recursive: true });
    symlinkSync('/usr/bin/true', join(other, 'bin', 'armada'));
    const kept = run('scripts/install.sh', ['--uninstall', other]);
    expect(kept.status).toBe(1);
    expect(kept.stderr).toMatch(
      /is not this checkout's armada \(\/usr\/bin\/true\); left as it is/,
    );
    expect(readlinkSync(join(other, 'bin', 'armada'))).toBe('/usr/bin/true');
  });
});
