import { describe, expect, it } from 'vitest';
import {
  installKey,
  sourceIsPinned,
  type InstallInputs,
} from '../../../src/base/plan-install-cache.js';
import { installPaths } from '../../../src/cache/layout.js';

const h = (c: string) => c.repeat(64);
const inputs: InstallInputs = {
  baseSha256: h('a'),
  arch: 'arm64',
  codename: 'bookworm',
  packages: ['docker.io', 'containerd', 'openssl'],
  source: {
    kind: 'base',
    lines: ['deb http://mirror.example/debian bookworm main'],
    archiveState: [h('1')],
  },
  plan: { takeover: { maskUnits: ['userconfig.service'] }, install: ['chroot', ['/', 'apt-get']] },
};

describe('installKey', () => {
  it('is stable for the same inputs, whatever the order of packages or .debs', () => {
    expect(installKey(inputs)).toMatch(/^[0-9a-f]{16}$/);
    expect(installKey({ ...inputs, packages: [...inputs.packages].reverse() })).toBe(
      installKey(inputs),
    );
    const debs = [
      { name: 'a.deb', sha256: h('2') },
      { name: 'b.deb', sha256: h('3') },
    ];
    expect(installKey({ ...inputs, source: { kind: 'local', debs } })).toBe(
      installKey({ ...inputs, source: { kind: 'local', debs: [...debs].reverse() } }),
    );
  });

  it('changes with everything that decides the installed tree', () => {
    const key = installKey(inputs);
    const variants: Partial<InstallInputs>[] = [
      { baseSha256: h('b') },
      { arch: 'armhf' },
      { codename: 'trixie' },
      { packages: [...inputs.packages, 'docker-compose'] },
      // A point release or security update moved the archive.
      { source: { ...inputs.source, archiveState: [h('9')] } as InstallInputs['source'] },
      { source: { ...inputs.source, kind: 'debian' } as InstallInputs['source'] },
      { source: { kind: 'local', debs: [{ name: 'docker.io.deb', sha256: h('4') }] } },
      { plan: { ...(inputs.plan as object), takeover: { maskUnits: [] } } },
      { sourceDateEpoch: 1767225600 },
    ];
    const keys = variants.map((v) => installKey({ ...inputs, ...v }));
    for (const k of keys) expect(k).not.toBe(key);
    expect(new Set(keys).size).toBe(keys.length);
    // The same .deb name with other content is another install.
    const deb = (sha256: string) =>
      installKey({ ...inputs, source: { kind: 'local', debs: [{ name: 'x.deb', sha256 }] } });
    expect(deb(h('5'))).not.toBe(deb(h('6')));
  });
});

describe('sourceIsPinned', () => {
  it('needs every line of an archive to have a known InRelease hash', () => {
    expect(sourceIsPinned(inputs.source)).toBe(true);
    const lines = ['deb http://m.example/d bookworm main', 'deb file:/srv/repo ./'];
    expect(sourceIsPinned({ kind: 'base', lines, archiveState: [h('1'), ''] })).toBe(false);
    expect(sourceIsPinned({ kind: 'base', lines: [], archiveState: [] })).toBe(false);
    expect(sourceIsPinned({ kind: 'debian', lines, archiveState: [h('1')] })).toBe(false);
  });

  it('a directory of .debs pins itself, unless it is empty', () => {
    expect(sourceIsPinned({ kind: 'local', debs: [{ name: 'a.deb', sha256: h('2') }] })).toBe(true);
    expect(sourceIsPinned({ kind: 'local', debs: [] })).toBe(false);
  });
});

describe('installPaths', () => {
  it('keeps installed roots beside the stages in the cache dir', () => {
    expect(installPaths('/c', '0123456789abcdef')).toEqual({
      dir: '/c/installs/0123456789abcdef',
      rootfs: '/c/installs/0123456789abcdef/rootfs',
      complete: '/c/installs/0123456789abcdef/complete.json',
      partialPrefix: '/c/installs/0123456789abcdef.partial-',
    });
  });
});
