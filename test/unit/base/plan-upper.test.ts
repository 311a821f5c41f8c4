import { describe, expect, it } from 'vitest';
import {
  contentAfter,
  parseGetfattr,
  planUpperScript,
  withoutFsync,
  type EntryMeta,
  type UpperChange,
} from '../../../src/base/plan-upper.js';

const file = (over: Partial<EntryMeta> = {}): EntryMeta => ({
  kind: 'file',
  mode: 0o100644,
  uid: 0,
  gid: 0,
  atimeSec: 1,
  mtimeSec: 2,
  ctimeSec: 3,
  nlink: 1,
  allocated: 4096,
  ...over,
});

const script = (changes: UpperChange[]) => {
  const plan = planUpperScript(changes);
  if (!('script' in plan)) throw new Error(plan.fallback);
  return plan.script.trimEnd().split('\n');
};

describe('planUpperScript', () => {
  it('writes a new file and gives it the merged tree’s mode, owner and times', () => {
    expect(
      script([{ op: 'put', path: '/etc/new', meta: file({ uid: 7 }), source: '/m/etc/new' }]),
    ).toEqual([
      'write "/m/etc/new" "/etc/new"',
      'set_inode_field "/etc/new" mode 0100644',
      'set_inode_field "/etc/new" uid 7',
      'set_inode_field "/etc/new" gid 0',
      'set_inode_field "/etc/new" atime @1',
      'set_inode_field "/etc/new" mtime @2',
      'set_inode_field "/etc/new" ctime @3',
    ]);
  });

  it('removes the lower file first, keeps a lower directory, makes a new one', () => {
    const lines = script([
      { op: 'put', path: '/a', meta: file(), source: '/m/a', lower: 'file' },
      {
        op: 'put',
        path: '/d',
        meta: file({ kind: 'dir', mode: 0o40755 }),
        source: '/m/d',
        lower: 'dir',
      },
      { op: 'put', path: '/n', meta: file({ kind: 'dir', mode: 0o40700 }), source: '/m/n' },
      {
        op: 'put',
        path: '/s',
        meta: file({ kind: 'symlink', target: 'a b' }),
        source: '/m/s',
        lower: 'symlink',
      },
    ]).filter((l) => !l.startsWith('set_inode_field'));
    expect(lines).toEqual([
      'rm "/a"',
      'write "/m/a" "/a"',
      'mkdir "/n"',
      'rm "/s"',
      'symlink "/s" "a b"',
    ]);
  });

  it('deletes a directory’s entries children first, then the directory', () => {
    expect(
      script([
        {
          op: 'delete',
          path: '/var/cache',
          kind: 'dir',
          below: [
            { path: '/var/cache/x', kind: 'dir' },
            { path: '/var/cache/x/f', kind: 'file' },
            { path: '/var/cache/l', kind: 'symlink' },
          ],
          allocated: 12288,
        },
        { op: 'delete', path: '/etc/gone', kind: 'file', allocated: 4096 },
      ]),
    ).toEqual([
      'rm "/var/cache/l"',
      'rm "/var/cache/x/f"',
      'rmdir "/var/cache/x"',
      'rmdir "/var/cache"',
      'rm "/etc/gone"',
    ]);
  });

  it('quotes names for debugfs and sets extended attributes from files', () => {
    const lines = script([
      {
        op: 'put',
        path: '/say "hi"',
        meta: file({ xattrs: [{ name: 'security.capability', valueFile: '/w/x0' }] }),
        source: '/m/say "hi"',
      },
    ]);
    expect(lines[0]).toBe('write "/m/say ""hi""" "/say ""hi"""');
    expect(lines.at(-1)).toBe('ea_set -f "/w/x0" "/say ""hi""" "security.capability"');
  });

  it('gives up (so the root is made with mke2fs -d) on what debugfs cannot make faithfully', () => {
    const put = (meta: EntryMeta, path = '/p'): UpperChange => ({
      op: 'put',
      path,
      meta,
      source: `/m${path}`,
    });
    expect(planUpperScript([put(file({ nlink: 2 }))])).toEqual({ fallback: '/p has 2 hard links' });
    expect(planUpperScript([put(file({ kind: 'other' }))])).toEqual({
      fallback: '/p is a special file',
    });
    expect(planUpperScript([put(file(), '/a\nb')])).toHaveProperty('fallback');
    expect(planUpperScript([put(file({ kind: 'symlink', target: 'x\ny' }))])).toHaveProperty(
      'fallback',
    );
  });

  it('refuses a put over a lower directory that was not deleted first (a bug upstream)', () => {
    expect(() =>
      planUpperScript([{ op: 'put', path: '/d', meta: file(), source: '/m/d', lower: 'dir' }]),
    ).toThrow(/must be deleted first/);
  });
});

describe('withoutFsync', () => {
  it('runs the command under eatmydata when it is installed, as it is otherwise', () => {
    const cmd = ['debugfs', ['-w', '-f', 's', 'img?offset=1']] as const;
    expect(withoutFsync(cmd, '/usr/bin/eatmydata')).toEqual([
      '/usr/bin/eatmydata',
      ['debugfs', '-w', '-f', 's', 'img?offset=1'],
    ]);
    expect(withoutFsync(cmd, undefined)).toBe(cmd);
  });
});

describe('contentAfter', () => {
  it('adds what was put, takes away what it replaced and what was deleted', () => {
    expect(
      contentAfter({ bytes: 1_000_000, inodes: 100 }, [
        { op: 'put', path: '/new', meta: file({ allocated: 8192 }), source: '/m/new' },
        {
          op: 'put',
          path: '/old',
          meta: file({ allocated: 4096 }),
          source: '/m/old',
          lower: 'file',
          lowerAllocated: 40960,
        },
        {
          op: 'delete',
          path: '/d',
          kind: 'dir',
          below: [{ path: '/d/f', kind: 'file' }],
          allocated: 20480,
        },
      ]),
    ).toEqual({ bytes: 1_000_000 + 8192 + 4096 - 40960 - 20480, inodes: 100 + 1 - 2 });
  });
});

describe('parseGetfattr', () => {
  it('reads getfattr -d -e hex output, escaped names included', () => {
    const text = [
      '# file: /m/usr/bin/ping',
      'security.capability=0x0100000200200000',
      '',
      '# file: /m/odd\\040name\\303\\251',
      'user.a=0x6869',
      'user.empty=0x',
      '',
    ].join('\n');
    const got = parseGetfattr(text);
    expect([...got.keys()]).toEqual(['/m/usr/bin/ping', '/m/odd name\u00e9']);
    expect(got.get('/m/usr/bin/ping')!.get('security.capability')!.toString('hex')).toBe(
      '0100000200200000',
    );
    expect(got.get('/m/odd name\u00e9')!.get('user.a')!.toString()).toBe('hi');
    expect(got.get('/m/odd name\u00e9')!.get('user.empty')!.length).toBe(0);
  });
});
