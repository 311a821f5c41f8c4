/**
 * `armada build` on bad input: a one-line message naming the fix, a non-zero exit, and the
 * output directory left as it was.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { suiteTempDir } from '../../helpers/tmp.js';
import { describeNeeds } from '../../helpers/needs.js';

const dir = await suiteTempDir('armada-build-errors-');
const out = join(dir, 'out');

function build(args: string[], opts: { asNobody?: boolean } = {}) {
  const cmd = opts.asNobody
    ? [
        'setpriv',
        [
          '--reuid=65534',
          '--regid=65534',
          '--clear-groups',
          'node',
          'bin/armada.js',
          'build',
          ...args,
        ],
      ]
    : ['node', ['bin/armada.js', 'build', ...args]];
  const r = spawnSync(cmd[0] as string, cmd[1] as string[], {
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, ARMADA_CACHE_DIR: join(dir, 'cache') },
  });
  return { status: r.status, stderr: r.stderr };
}

function lastLine(stderr: string): string {
  return (
    stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('armada:'))
      .at(-1) ?? stderr
  );
}

describeNeeds({ root: true }, 'armada build refuses bad input cleanly', () => {
  beforeAll(() => {
    spawnSync('mkdir', ['-p', out]);
    spawnSync('chmod', ['755', dir]);
    writeFileSync(join(out, 'previous-release.img.xz'), 'keep me');
  });

  const untouched = () => {
    expect(readdirSync(out).sort()).toEqual(['previous-release.img.xz']);
    expect(readFileSync(join(out, 'previous-release.img.xz'), 'utf8')).toBe('keep me');
  };

  it('needs root, and says to use sudo', () => {
    const r = build(['--out', join(dir, 'nobody-out')], { asNobody: true });
    expect(r.status).toBe(1);
    expect(lastLine(r.stderr)).toMatch(/needs root; run it again with sudo/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects bad options with every problem listed, exit 2', () => {
    const r = build(['--out', out, '--packages', 'ok,BAD PKG', '--boot-size', '64']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/BAD PKG/);
    expect(r.stderr).toMatch(/--boot-size/);
    untouched();
  });

  it('names a keyring that does not exist by its flag', () => {
    const keyring = join(dir, 'no-such-keyring.gpg');
    const r = build(['--out', out, '--keyring', keyring]);
    expect(r.status).toBe(1);
    expect(lastLine(r.stderr)).toBe(
      `armada: --keyring ${keyring} does not exist; give the archive's keyring file`,
    );
    untouched();
  });

  it('names an unreachable mirror', () => {
    const r = build(['--out', out, '--mirror', 'http://127.0.0.1:9/debian']);
    expect(r.status).toBe(1);
    expect(lastLine(r.stderr)).toMatch(/mirror is unreachable.*pass --mirror/);
    untouched();
  });

  it('names a package the archive does not have, and leaves the output alone', () => {
    spawnSync('mkdir', ['-p', join(dir, 'work')]);
    const r = build([
      '--out',
      out,
      '--work-dir',
      join(dir, 'work'),
      '--packages',
      'armada-no-such-package',
    ]);
    expect(r.status).toBe(1);
    expect(lastLine(r.stderr)).toMatch(
      /package 'armada-no-such-package' was not found in the archive/,
    );
    untouched();
    // No half-made stage or work directory survives the failure (the package check before the
    // bootstrap fails before any stage is begun, so there may be no stages folder at all).
    const stages = join(dir, 'cache', 'stages');
    expect(
      (existsSync(stages) ? readdirSync(stages) : []).filter((n) => n.endsWith('.partial')),
    ).toEqual([]);
    expect(readdirSync(join(dir, 'work')).filter((n) => n.startsWith('armada-build-'))).toEqual([]);
    // Said before the bootstrap: no package was downloaded into the build's apt cache.
    expect(existsSync(join(dir, 'cache', 'apt'))).toBe(false);
  });
});
