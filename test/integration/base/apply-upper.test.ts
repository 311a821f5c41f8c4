/**
 * applyUpper on a real overlay and a real ext4 image: a lower tree made into ext4 with mke2fs -d,
 * changed through an overlay mount the way build steps change a reused install (new, rewritten,
 * deleted, re-moded and re-owned files; a directory tree deleted, a directory made opaque, kinds
 * swapped, hard links, xattrs, awkward names), the upper applied with debugfs; the filesystem is
 * then clean and holds exactly the merged tree.
 */
import { execFileSync } from 'node:child_process';
import {
  appendFile,
  chmod,
  chown,
  link,
  mkdir,
  rm,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { applyUpper, readUpperChanges } from '../../../src/base/apply-upper.js';
import { contentAfter, type UpperChange } from '../../../src/base/plan-upper.js';
import { contentSize } from '../../../src/build/content-size.js';
import { overlayMountCommand } from '../../../src/base/plan-install-cache.js';
import { run } from '../../../src/exec.js';
import { describeNeeds, toolsReason } from '../../helpers/needs.js';
import { suiteTempDir } from '../../helpers/tmp.js';
import { readExt4Tree, readTree } from '../../helpers/tree.js';

const offset = 1 << 20;

const fs = (image: string) => `${image}?offset=${offset}`;
const debugfs = (image: string, request: string) =>
  execFileSync('debugfs', ['-R', request, fs(image)], { encoding: 'utf8', stdio: 'pipe' });

describeNeeds(
  { root: true, unless: toolsReason('mke2fs', 'debugfs', 'e2fsck', 'getfattr', 'setfattr') },
  'applying a reused install’s overlay changes to its ext4 image',
  () => {
    let dir: string;
    let merged: string;
    let mounted = false;
    let changes: UpperChange[] = [];
    let lowerSize: { bytes: number; inodes: number };
    const awkward = 'sp ace "q" \\ é';

    beforeAll(async () => {
      dir = await suiteTempDir('armada-upper-');
      const lower = join(dir, 'lower');
      const file = async (p: string, text: string) => {
        await mkdir(join(lower, p, '..'), { recursive: true });
        await writeFile(join(lower, p), text);
      };
      await file('etc/keep', 'kept\n');
      await file('etc/change', 'old\n');
      await file('etc/gone', 'gone\n');
      await file('etc/mode', 'mode\n');
      await file('etc/owner', 'owner\n');
      await symlink('keep', join(lower, 'etc/link'));
      await file('var/cache/big/a', 'a'.repeat(100_000));
      await file('var/cache/big/b/c', 'c');
      await file('var/cache/small', 's');
      await file('opt/dir-to-file/x', 'x');
      await file('srv/file-to-dir', 'f');
      await file('opaque/o1', '1');
      await file('opaque/sub/o2', '2');
      await file('usr/a', 'linked');
      await link(join(lower, 'usr/a'), join(lower, 'usr/b'));
      await file('usr/bin/capable', 'bin');
      execFileSync('setfattr', [
        '-n',
        'user.armada',
        '-v',
        'lower',
        join(lower, 'usr/bin/capable'),
      ]);
      await mkdir(join(lower, 'lost+found'));
      lowerSize = await contentSize(lower);
      const image = join(dir, 'disk.img');
      await writeFile(image, '');
      await run([
        'mke2fs',
        ['-F', '-q', '-t', 'ext4', '-E', `offset=${offset}`, '-d', lower, image, '65536k'],
      ]);
      const upper = join(dir, 'upper');
      const work = join(dir, 'work');
      merged = join(dir, 'merged');
      await Promise.all([upper, work, merged].map((d) => mkdir(d)));
      await run(overlayMountCommand(lower, upper, work, merged));
      mounted = true;

      // What build steps do to a reused root.
      const m = (p: string) => join(merged, p);
      await writeFile(m('etc/change'), 'new and longer\n');
      await rm(m('etc/gone'));
      await chmod(m('etc/mode'), 0o600);
      await chown(m('etc/owner'), 1000, 1001);
      await writeFile(m('etc/new'), 'fresh\n', { mode: 0o640 });
      await utimes(m('etc/new'), 1_700_000_000, 1_700_000_000);
      await rm(m('etc/link'));
      await symlink('new', m('etc/link'));
      await rm(m('var/cache/big'), { recursive: true });
      await rm(m('opt/dir-to-file'), { recursive: true });
      await writeFile(m('opt/dir-to-file'), 'now a file');
      await rm(m('srv/file-to-dir'));
      await mkdir(m('srv/file-to-dir/inner'), { recursive: true });
      await writeFile(m('srv/file-to-dir/inner/f'), 'inside');
      await rm(m('opaque'), { recursive: true });
      await mkdir(m('opaque/sub'), { recursive: true });
      await writeFile(m('opaque/sub/o3'), '3');
      await rm(m('usr/b'));
      await appendFile(m('usr/bin/capable'), 'patched');
      execFileSync('setfattr', ['-n', 'user.second', '-v', 'upper', m('usr/bin/capable')]);
      await mkdir(m('new/deep/dir'), { recursive: true });
      await writeFile(m(`new/deep/dir/${awkward}`), 'awkward');
      await mkdir(join(dir, 'apply'));

      const read = await readUpperChanges({ merged, upper, lower }, join(dir, 'apply'));
      if ('fallback' in read) throw new Error(read.fallback);
      changes = read.changes;
      expect(await applyUpper(image, offset, changes, join(dir, 'apply'))).toBeUndefined();
    }, 120_000);

    afterAll(async () => {
      if (mounted) await run(['umount', [merged]]);
    });

    it('leaves a clean filesystem', async () => {
      const image = join(dir, 'disk.img');
      const part = join(dir, 'root.ext4');
      await run([
        'dd',
        [`if=${image}`, `of=${part}`, 'bs=1M', 'skip=1', 'status=none', 'conv=sparse'],
      ]);
      const fsck = await run(['e2fsck', ['-fn', part]], { allowFailure: true });
      expect(fsck.exitCode, fsck.stdout + fsck.stderr).toBe(0);
    });

    it('holds exactly the merged tree: kinds, modes, owners, times, contents, link targets', async () => {
      const want = await readTree(merged);
      const got = await readExt4Tree(join(dir, 'disk.img'), offset, join(dir, 'rdump'));
      expect([...got.keys()]).toEqual([...want.keys()]);
      for (const [path, w] of want) expect(got.get(path), path).toEqual(w);
      // The changes really are there (not two empty trees).
      expect(want.get('/etc/gone')).toBeUndefined();
      expect(want.get('/var/cache/big')).toBeUndefined();
      expect(want.get('/opaque/o1')).toBeUndefined();
      expect(want.get('/opaque/sub/o3')?.kind).toBe('file');
      expect(want.get('/opt/dir-to-file')?.kind).toBe('file');
      expect(want.get('/etc/link')?.target).toBe('new');
      expect(want.get(`/new/deep/dir/${awkward}`)?.kind).toBe('file');
      expect(want.get('/etc/owner')).toMatchObject({ uid: 1000, gid: 1001 });
    });

    it('plans the root by the merged tree’s size as du gives it (one hard link’s block apart)', async () => {
      const want = await contentSize(merged);
      const got = contentAfter(lowerSize, changes);
      expect(want.bytes - got.bytes).toBe(4096);
      // /usr/b was a second name of /usr/a's inode: counted as its own inode when deleted.
      expect(want.inodes - got.inodes).toBe(1);
    });

    it('keeps the hard link count right and copies extended attributes', () => {
      const image = join(dir, 'disk.img');
      expect(debugfs(image, 'stat /usr/a')).toMatch(/Links: 1\b/);
      const attrs = debugfs(image, 'ea_list /usr/bin/capable');
      expect(attrs).toContain('user.armada');
      expect(attrs).toContain('lower');
      expect(attrs).toContain('user.second');
      expect(attrs).toContain('upper');
    });
  },
);
