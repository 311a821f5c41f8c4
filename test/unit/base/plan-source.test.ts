import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dpkgArch, parseExt4Stats, sha256FromFile } from '../../../src/base/plan-source.js';

const hex = 'ab'.repeat(32);

describe('sha256FromFile', () => {
  it('reads sha256sum output for the image, a bare digest, or a single line under another name', () => {
    expect(
      sha256FromFile(
        `${hex}  2024-11-19-raspios-bookworm-arm64-lite.img.xz\n`,
        '2024-11-19-raspios-bookworm-arm64-lite.img.xz',
      ),
    ).toBe(hex);
    expect(sha256FromFile(`${hex.toUpperCase()}\n`, 'x.img')).toBe(hex);
    expect(sha256FromFile(`${hex} *renamed.img.xz\n`, 'x.img.xz')).toBe(hex);
  });
  it('says nothing when the file lists other images or holds no digest', () => {
    expect(sha256FromFile(`${hex}  a.img\n${'cd'.repeat(32)}  b.img\n`, 'x.img')).toBeUndefined();
    expect(sha256FromFile('<html>not found</html>', 'x.img')).toBeUndefined();
  });
});

describe('parseExt4Stats', () => {
  it('reads the superblock fields from recorded debugfs stats', () => {
    const text = readFileSync(
      new URL('../../fixtures/base/debugfs-stats.txt', import.meta.url),
      'utf8',
    );
    expect(parseExt4Stats(text)).toEqual({
      uuid: '0b2f3c1e-8a3d-4b5e-9c7f-1a2b3c4d5e6f',
      label: 'rootfs',
      blockSize: 1024,
      blockCount: 49152,
      freeBlocks: 40924,
      inodeCount: 12288,
      freeInodes: 12276,
    });
    expect(parseExt4Stats('debugfs: Bad magic number in super-block')).toBeUndefined();
  });
});

describe('dpkgArch', () => {
  it("is base-files' architecture, whatever else is installed", () => {
    const status =
      'Package: libc6\nArchitecture: arm64\n\nPackage: base-files\nStatus: install ok installed\nArchitecture: armhf\nVersion: 12.4\n';
    expect(dpkgArch(status)).toBe('armhf');
    expect(dpkgArch('Package: bash\nArchitecture: arm64\n')).toBeUndefined();
  });
});
