import { describe, expect, test } from 'vitest';
import {
  autoremovable,
  debFileName,
  parseAutoInstalled,
  parseDpkgStatus,
  pickBump,
  pickOrphan,
  relationNames,
  type Stage,
} from '../helpers/local-archive.js';

const status = `Package: base-files
Essential: yes
Status: install ok installed
Priority: required
Installed-Size: 300
Architecture: arm64
Version: 13.8

Package: docker.io
Status: install ok installed
Installed-Size: 90000
Architecture: arm64
Version: 26.1.5+dfsg1-9+b9
Depends: containerd (>= 1.6), runc, libc6:any (>= 2.34) | musl
Recommends: iptables

Package: containerd
Status: install ok installed
Installed-Size: 50000
Architecture: arm64
Version: 1.7.24~ds1-6+b4
Depends: runc

Package: runc
Status: install ok installed
Installed-Size: 9000
Architecture: arm64
Version: 1.1.15+ds1-2+b4

Package: libc6
Status: install ok installed
Installed-Size: 12000
Architecture: arm64
Version: 2.41-12
Provides: libc6-abi

Package: iptables
Status: install ok installed
Installed-Size: 2000
Architecture: arm64
Version: 1.8.11-2
Depends: libnftnl11

Package: libnftnl11
Status: install ok installed
Installed-Size: 200
Architecture: arm64
Version: 1.2.9-1

Package: iw
Status: install ok installed
Installed-Size: 300
Architecture: arm64
Version: 6.9-1
Depends: libnl-3-200, libc6-abi

Package: libnl-3-200
Status: install ok installed
Installed-Size: 200
Architecture: arm64
Version: 3.7.0-1

Package: less
Status: install ok installed
Installed-Size: 500
Architecture: arm64
Version: 668-1
Depends: libc6
Suggests: libnl-3-200

Package: tree
Status: install ok installed
Installed-Size: 100
Architecture: arm64
Version: 2.2.1-1
Depends: libc6

Package: curl
Status: install ok installed
Installed-Size: 400
Architecture: arm64
Version: 8.14.1-2
Depends: libc6

Package: old-thing
Status: deinstall ok config-files
Installed-Size: 1
Architecture: arm64
Version: 1:0.1-1
`;

// iw's libnl-3-200 is automatic; less suggests it, which keeps it (apt's default).
const extended = `Package: containerd
Architecture: arm64
Auto-Installed: 1

Package: runc
Architecture: arm64
Auto-Installed: 1

Package: libnl-3-200
Architecture: arm64
Auto-Installed: 1

Package: libnftnl11
Architecture: arm64
Auto-Installed: 1

Package: iptables
Architecture: arm64
Auto-Installed: 1

Package: libc6
Architecture: arm64
Auto-Installed: 1
`;

const stage = (scripted: string[] = []): Stage => ({
  packages: parseDpkgStatus(status),
  auto: parseAutoInstalled(extended),
  scripted: new Set(scripted),
});

describe('the local archive: choosing from a stage', () => {
  test('relation fields give bare names, alternatives included', () => {
    expect(relationNames('a (>= 1) | b:any, c [arm64], d <!nocheck>')).toEqual([
      'a',
      'b',
      'c',
      'd',
    ]);
    expect(relationNames(undefined)).toEqual([]);
  });

  test('dpkg status: installed packages only, pinned ones marked', () => {
    const pkgs = parseDpkgStatus(status);
    expect(pkgs.map((p) => p.name)).not.toContain('old-thing');
    expect(pkgs.find((p) => p.name === 'base-files')!.pinned).toBe(true);
    expect(pkgs.find((p) => p.name === 'docker.io')).toMatchObject({
      version: '26.1.5+dfsg1-9+b9',
      installedSize: 90000,
      needs: ['containerd', 'runc', 'libc6', 'musl', 'iptables'],
    });
  });

  test('cached .deb names quote the epoch as apt does', () => {
    expect(debFileName({ name: 'bsdutils', version: '1:2.41-5', arch: 'arm64' })).toBe(
      'bsdutils_1%3a2.41-5_arm64.deb',
    );
  });

  test('autoremove keeps what manual packages need, through provides and suggests', () => {
    const s = stage();
    expect(autoremovable(s.packages, s.auto)).toEqual([]);
    expect(autoremovable(s.packages, new Set([...s.auto, 'docker.io'])).sort()).toEqual([
      'containerd',
      'docker.io',
      'iptables',
      'libnftnl11',
      'runc',
    ]);
    // Without less, nothing else needs libnl-3-200: it goes with iw.
    const noLess = s.packages.filter((p) => p.name !== 'less');
    expect(autoremovable(noLess, new Set([...s.auto, 'iw'])).sort()).toEqual(['iw', 'libnl-3-200']);
  });

  test('the bump is the smallest cached leaf, one without maintainer scripts first', () => {
    const all = new Set(stage().packages.map(debFileName));
    expect(pickBump(stage(), all)!.name).toBe('tree');
    expect(pickBump(stage(['tree']), all)!.name).toBe('iw');
    const notTree = new Set([...all].filter((f) => !f.startsWith('tree_')));
    expect(pickBump(stage(), notTree)!.name).toBe('iw');
    // Packages something depends on are never bumped (their version may be pinned).
    expect(pickBump(stage(), new Set(['runc_1.1.15+ds1-2+b4_arm64.deb']))).toBeUndefined();
  });

  test('the orphan is a leaf whose removal takes nothing else', () => {
    const s = stage();
    expect(pickOrphan(s, new Set(['tree']))!.name).toBe('iw');
    // docker.io is a leaf, but its dependencies would go with it.
    expect(pickOrphan(s, new Set(['tree', 'iw', 'curl', 'less']))).toBeUndefined();
    const noLess = { ...s, packages: s.packages.filter((p) => p.name !== 'less') };
    expect(pickOrphan(noLess, new Set(['tree']))!.name).toBe('curl');
  });
});
