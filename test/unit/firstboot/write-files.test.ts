/**
 * apply_write_files in dash and bash, with paths in a temp dir: cloud-init's write_files as the
 * laptop renders them (files.tsv, files/<n>), and the links a local user could plant so that
 * root writes, chowns or chmods a file of the user's choosing on the next seed.
 */
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { renderFilesTsv } from '../../../src/seed/render.js';
import { parseUserData } from '../../../src/seed/user-data.js';
import { describeNeeds, isRoot } from '../../helpers/needs.js';
import { suiteTempDir } from '../../helpers/tmp.js';
import { q, runLib, shells, writeScript } from './run-sh.js';

const dir = await suiteTempDir('armada-firstboot-files-');
const script = writeScript(dir);
const read = (path: string) => readFileSync(path, 'utf8');
const id = (flag: string) => execFileSync('id', [flag], { encoding: 'utf8' }).trim();
const me = `${id('-un')}:${id('-gn')}`;
/** The local user who plants links: nobody under root, else the test's own (non-root) user. */
const user = isRoot ? { spec: 'nobody:nogroup', uid: 65534, gid: 65534 } : undefined;

let n = 0;
/** A seed dir, a state dir and a root tree for one run; files.tsv from the given rows. */
function sandbox(rows: string[], contents: (string | Uint8Array)[]) {
  const base = join(dir, `s${++n}`);
  const root = join(base, 'root');
  mkdirSync(join(base, 'seed/files'), { recursive: true });
  mkdirSync(join(base, 'state'));
  mkdirSync(root);
  writeFileSync(join(base, 'seed/files.tsv'), rows.join('\n') + '\n');
  contents.forEach((c, i) => writeFileSync(join(base, `seed/files/${i + 1}`), c));
  const vars = `SEED_DIR=${q(join(base, 'seed'))}; STATE_DIR=${q(join(base, 'state'))}; LOG=/dev/null;`;
  return { base, root, vars };
}

/** Hands a path (a link, a home directory) to the local user when the test runs as root. */
function owned(path: string): void {
  if (user) execFileSync('chown', ['-h', `${user.uid}:${user.gid}`, path]);
}

const row = (path: string, mode: string, owner: string, append: 0 | 1, src: number) =>
  [path, mode, owner, String(append), `files/${src}`].join('\t');

const snapshot = (path: string) => {
  const s = statSync(path);
  return { content: read(path), mode: s.mode & 0o7777, uid: s.uid, gid: s.gid };
};

describe.each(shells)('write_files in %s', (shell) => {
  const apply = (vars: string) =>
    runLib(script, `${vars} apply_write_files >/dev/null; echo "rc=$?"`, shell);

  test("a user's links are not followed: ~/.bashrc -> shadow, ~/.config -> etc; the rest is written", () => {
    const { root } = sandbox([], []);
    const etc = join(root, 'etc');
    const home = join(root, 'home/alice');
    mkdirSync(etc);
    mkdirSync(home, { recursive: true });
    owned(home);
    const shadow = join(etc, 'shadow');
    writeFileSync(shadow, 'root:$6$secret:19000::::::\n', { mode: 0o640 });
    const before = snapshot(shadow);
    symlinkSync(shadow, join(home, '.bashrc'));
    owned(join(home, '.bashrc'));
    symlinkSync(etc, join(home, '.config'));
    owned(join(home, '.config'));
    // A link as the target is refused whoever owns it (root's own links included).
    symlinkSync(shadow, join(home, '.profile'));
    const t = sandbox(
      [
        row(join(home, '.bashrc'), '0644', user?.spec ?? me, 0, 1),
        row(join(home, '.bashrc'), '0644', user?.spec ?? me, 1, 1),
        row(join(home, '.config/shadow'), '0666', user?.spec ?? me, 0, 1),
        row(join(home, '.profile'), '0644', me, 0, 1),
        row(join(home, '.inputrc'), '0600', user?.spec ?? me, 0, 2),
      ],
      ['alias ls="ls -F"\n', 'set bell-style none\n'],
    );
    const r = apply(t.vars);
    expect(r.stdout).toBe('rc=0\n');
    expect(snapshot(shadow)).toEqual(before);
    expect(readlinkSync(join(home, '.bashrc'))).toBe(shadow);
    expect(readlinkSync(join(home, '.profile'))).toBe(shadow);
    expect(lstatSync(join(home, '.config')).isSymbolicLink()).toBe(true);
    expect(r.stderr).toContain(
      `write_files: ${join(home, '.bashrc')} not written: it is a symbolic link (to ${shadow}); not followed`,
    );
    expect(r.stderr).toMatch(
      new RegExp(
        `write_files: ${join(home, '.config/shadow')} not written: ${join(home, '.config')} is a symbolic link owned by uid \\d+; not followed`,
      ),
    );
    expect(r.stderr).toContain(`${join(home, '.profile')} not written: it is a symbolic link`);
    // The rest of the seed still goes in.
    expect(read(join(home, '.inputrc'))).toBe('set bell-style none\n');
    expect(statSync(join(home, '.inputrc')).mode & 0o7777).toBe(0o600);
    expect(r.stderr).toContain('write_files: 1 file(s)');
    expect(existsSync(join(t.base, 'state/write-files.applied'))).toBe(true);
  });

  test('writes, appends, owner, permissions (setuid kept: chown before chmod), cloud-init encodings', () => {
    const { base, root } = sandbox([], []);
    const owner = user?.spec ?? me;
    const text = [
      '#cloud-config',
      'write_files:',
      `  - path: ${root}/etc/app/new dir/app.conf`,
      '    content: "conf=1\\n"',
      "    permissions: '0640'",
      `    owner: ${owner}`,
      `  - path: ${root}/var/log/app.log`,
      '    content: "appended\\n"',
      '    append: true',
      "    permissions: '0600'",
      `    owner: ${owner}`,
      `  - path: ${root}/usr/local/bin/tool`,
      `    content: ${Buffer.from('#!/bin/sh\necho tool\n').toString('base64')}`,
      '    encoding: b64',
      "    permissions: '4755'",
      `    owner: ${owner}`,
      `  - path: ${root}/etc/gz.txt`,
      `    content: ${gzipSync('zipped\n').toString('base64')}`,
      '    encoding: gz+b64',
      `    owner: ${owner}`,
      `  - path: ${root}/etc/fresh.log`,
      '    content: "first\\n"',
      '    append: true',
      `    owner: ${owner}`,
      '',
    ].join('\n');
    const parsed = parseUserData(text);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const { tsv, contents } = renderFilesTsv(parsed.settings.writeFiles);
    mkdirSync(join(base, 'seed/files'), { recursive: true });
    writeFileSync(join(base, 'seed/files.tsv'), tsv);
    for (const c of contents) writeFileSync(join(base, 'seed', c.name), c.content);
    mkdirSync(join(root, 'var/log'), { recursive: true });
    writeFileSync(join(root, 'var/log/app.log'), 'before\n', { mode: 0o644 });
    const r = apply(
      `SEED_DIR=${q(join(base, 'seed'))}; STATE_DIR=${q(join(base, 'state'))}; LOG=/dev/null;`,
    );
    expect(r.stdout).toBe('rc=0\n');
    expect(r.stderr).toContain('write_files: 5 file(s)');
    expect(r.stderr).not.toContain('WARNING');
    const want = (path: string, content: string, mode: number) => {
      const s = snapshot(join(root, path));
      expect(s, path).toMatchObject({ content, mode });
      if (user) expect(s, path).toMatchObject({ uid: user.uid, gid: user.gid });
    };
    want('etc/app/new dir/app.conf', 'conf=1\n', 0o640);
    want('var/log/app.log', 'before\nappended\n', 0o600);
    want('usr/local/bin/tool', '#!/bin/sh\necho tool\n', 0o4755);
    want('etc/gz.txt', 'zipped\n', 0o644);
    want('etc/fresh.log', 'first\n', 0o644);
    // Directories armada makes on the way are root's, 0755; no temp file is left behind.
    expect(statSync(join(root, 'etc/app/new dir')).mode & 0o777).toBe(0o755);
    expect(execFileSync('find', [root, '-name', '.armada-*'], { encoding: 'utf8' })).toBe('');
    // A retry of the same seed (another step failed) does not append again.
    runLib(
      script,
      `SEED_DIR=${q(join(base, 'seed'))}; STATE_DIR=${q(join(base, 'state'))}; LOG=/dev/null; apply_write_files >/dev/null`,
      shell,
    );
    expect(read(join(root, 'var/log/app.log'))).toBe('before\nappended\n');
  });

  test('a target that is a directory or a FIFO is refused; a missing owner leaves root', () => {
    const { root } = sandbox([], []);
    mkdirSync(join(root, 'd/sub'), { recursive: true });
    execFileSync('mkfifo', [join(root, 'd/fifo')]);
    const t = sandbox(
      [
        row(join(root, 'd/sub'), '0644', me, 0, 1),
        row(join(root, 'd/fifo'), '0644', me, 1, 1),
        row(join(root, 'd/ok'), '0644', 'no-such-user:no-such-group', 0, 1),
      ],
      ['x\n'],
    );
    const r = apply(t.vars);
    expect(r.stdout).toBe('rc=0\n');
    expect(r.stderr).toContain(
      `${join(root, 'd/sub')} not written: it exists and is not a regular file`,
    );
    expect(r.stderr).toContain(
      `${join(root, 'd/fifo')} not written: it exists and is not a regular file`,
    );
    expect(r.stderr).toContain(
      `write_files: ${join(root, 'd/ok')}: owner 'no-such-user:no-such-group' does not exist; left as`,
    );
    expect(read(join(root, 'd/ok'))).toBe('x\n');
    expect(lstatSync(join(root, 'd/fifo')).isFIFO()).toBe(true);
  });

  test('a mode that cannot be set (a FAT partition) leaves no file and no temp file behind', () => {
    const { root } = sandbox([], []);
    mkdirSync(join(root, 'boot'));
    writeFileSync(join(root, 'boot/config.txt'), 'old\n');
    const t = sandbox([row(join(root, 'boot/config.txt'), '0600', me, 0, 1)], ['new\n']);
    const r = runLib(
      script,
      `${t.vars} chmod() { echo "chmod: Operation not permitted" >&2; return 1; }; apply_write_files >/dev/null; echo "rc=$?"`,
      shell,
    );
    expect(r.stdout).toBe('rc=0\n');
    expect(r.stderr).toContain(
      `${join(root, 'boot/config.txt')} not written: could not set its mode 0600 (a file system without Unix modes?)`,
    );
    expect(read(join(root, 'boot/config.txt'))).toBe('old\n');
    expect(execFileSync('ls', ['-A', join(root, 'boot')], { encoding: 'utf8' })).toBe(
      'config.txt\n',
    );
  });
});

describeNeeds({ root: true }, "write_files through root's own links", () => {
  test.each(shells)(
    '%s follows a root-owned link, but not where it leads through a user’s link',
    (shell) => {
      const { root } = sandbox([], []);
      mkdirSync(join(root, 'real/data'), { recursive: true });
      mkdirSync(join(root, 'etc'));
      mkdirSync(join(root, 'home/alice'), { recursive: true });
      owned(join(root, 'home/alice'));
      // /srv -> real: root's link (like /var/run -> /run), followed.
      symlinkSync('real', join(root, 'srv'));
      // /opt -> home/alice/app, and alice's app -> etc: root's link leads through hers.
      symlinkSync(join(root, 'home/alice/app'), join(root, 'opt'));
      symlinkSync(join(root, 'etc'), join(root, 'home/alice/app'));
      owned(join(root, 'home/alice/app'));
      const t = sandbox(
        [
          row(join(root, 'srv/data/a.conf'), '0644', me, 0, 1),
          row(join(root, 'opt/b.conf'), '0644', me, 0, 1),
        ],
        ['a\n'],
      );
      const r = runLib(script, `${t.vars} apply_write_files >/dev/null; echo "rc=$?"`, shell);
      expect(r.stdout).toBe('rc=0\n');
      expect(read(join(root, 'real/data/a.conf'))).toBe('a\n');
      expect(existsSync(join(root, 'etc/b.conf'))).toBe(false);
      expect(r.stderr).toContain(
        `${join(root, 'home/alice/app')} is a symbolic link owned by uid 65534; not followed`,
      );
    },
  );
});
