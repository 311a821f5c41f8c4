import { describe, expect, it } from 'vitest';
import {
  maxLinks,
  resolveInRoot,
  TreePathError,
  type EntryKind,
  type TreeView,
} from '../../../src/tree/resolve-in-root.js';

/** A tree as a map: a string is a link's target, 'dir' a directory, 'file' anything else. */
function tree(entries: Record<string, string>): TreeView {
  return {
    kind: (path): Promise<EntryKind> => {
      const e = entries[path];
      if (e === undefined) return Promise.resolve('missing');
      return Promise.resolve(e === 'dir' ? 'dir' : e === 'file' ? 'other' : 'link');
    },
    readlink: (path) => Promise.resolve(entries[path]),
  };
}

const hostile = tree({
  '/var': 'dir',
  '/var/log': '/home/user', // absolute: the tree's /home/user
  '/tmp': '../../../../srv/host', // relative, climbing: stops at the tree's root
  '/etc': 'dir',
  '/etc/docker': '/etc/../../etc/docker-real',
  '/etc/os-release': '../usr/lib/os-release',
  '/usr': 'dir',
  '/usr/lib': 'dir',
  '/usr/lib/os-release': 'file',
  '/loop': '/loop',
  '/a': '/b',
  '/b': '/a',
});

describe('resolveInRoot', () => {
  it('starts an absolute link again at the root of the tree', async () => {
    expect(await resolveInRoot('/var/log/syslog', hostile, true)).toBe('/home/user/syslog');
    expect(await resolveInRoot('var/log', hostile, true)).toBe('/home/user');
  });

  it('keeps .. from climbing above the root', async () => {
    expect(await resolveInRoot('/tmp/x', hostile, true)).toBe('/srv/host/x');
    expect(await resolveInRoot('/../../etc/passwd', hostile, true)).toBe('/etc/passwd');
    expect(await resolveInRoot('/etc/docker/daemon.json', hostile, true)).toBe(
      '/etc/docker-real/daemon.json',
    );
  });

  it('leaves a last link in place unless asked to follow it', async () => {
    expect(await resolveInRoot('/var/log', hostile, false)).toBe('/var/log');
    expect(await resolveInRoot('/etc/os-release', hostile, false)).toBe('/etc/os-release');
    expect(await resolveInRoot('/etc/os-release', hostile, true)).toBe('/usr/lib/os-release');
    // A link on the way is always followed.
    expect(await resolveInRoot('/var/log/x', hostile, false)).toBe('/home/user/x');
  });

  it('passes through missing components (to be made) and plain paths', async () => {
    expect(await resolveInRoot('/usr/lib/new/deeper', hostile, true)).toBe('/usr/lib/new/deeper');
    expect(await resolveInRoot('/', hostile, true)).toBe('/');
    expect(await resolveInRoot('./usr//lib/./x', hostile, true)).toBe('/usr/lib/x');
  });

  it('refuses a loop after a bounded number of links', async () => {
    await expect(resolveInRoot('/loop/x', hostile, true)).rejects.toThrow(TreePathError);
    await expect(resolveInRoot('/a', hostile, true)).rejects.toThrow(
      'too many levels of symbolic links',
    );
    // A chain of exactly maxLinks links resolves.
    const chain: Record<string, string> = { [`/l${maxLinks}`]: 'dir' };
    for (let i = 0; i < maxLinks; i++) chain[`/l${i}`] = `/l${i + 1}`;
    expect(await resolveInRoot('/l0', tree(chain), true)).toBe(`/l${maxLinks}`);
  });
});
