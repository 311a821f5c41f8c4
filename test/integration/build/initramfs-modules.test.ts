/**
 * Every module the initramfs list names must exist in Debian's real arm64 kernel, as a module or
 * built in: a typo here is a Pi that cannot find its root filesystem.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { initramfsGroups, initramfsModules } from '../../../src/build/initramfs.js';
import { debianKernelDeb } from '../../helpers/kernel-packages.js';

const norm = (s: string) => s.replace(/-/g, '_');

describe('initramfs module list', () => {
  // The host's suite (Debian 12 here: kernel 6.1) and Debian 13's (6.12, the default image's):
  // module names change between kernel versions.
  it.each([
    ['host suite', undefined],
    ['trixie', 'trixie'],
  ])(
    'names only modules that Debian’s arm64 kernel has (module or built-in): %s',
    (_label, suite) => {
      const deb = debianKernelDeb('arm64', suite);
      const listing = execFileSync('dpkg-deb', ['--fsys-tarfile', deb], { maxBuffer: 512 << 20 });
      const names = execFileSync('tar', ['-t'], {
        input: listing,
        maxBuffer: 64 << 20,
        encoding: 'utf8',
      }).split('\n');
      const modules = new Set(
        names
          .filter((n) => /\.ko(\.[a-z]+)?$/.test(n))
          .map((n) => norm(n.replace(/^.*\//, '').replace(/\.ko.*$/, ''))),
      );
      const builtinFile = names.find((n) => n.endsWith('/modules.builtin'))!;
      const builtin = new Set(
        execFileSync('tar', ['-xO', builtinFile.replace(/^\.\//, './')], {
          input: listing,
          maxBuffer: 64 << 20,
          encoding: 'utf8',
        })
          .split('\n')
          .map((l) => norm(l.replace(/^.*\//, '').replace(/\.ko$/, '')))
          .filter(Boolean),
      );
      const unknown = initramfsModules().filter(
        (m) => !modules.has(norm(m)) && !builtin.has(norm(m)),
      );
      expect(unknown).toEqual([]);
    },
  );

  it('gives every group a reason', () => {
    for (const g of initramfsGroups) expect(g.why.length, g.name).toBeGreaterThan(20);
  });
});
