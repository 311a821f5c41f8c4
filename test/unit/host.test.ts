import { describe, expect, it } from 'vitest';
import { isNativeArch } from '../../src/host/binfmt.js';
import { hostTools, toolsCheckedBefore } from '../../src/host/tools.js';

describe('host tools, one list', () => {
  it('build checks the tools it cannot start without, all from host-tools.json', () => {
    expect(toolsCheckedBefore('build').sort()).toEqual(
      ['dpkg-query', 'mcopy', 'mke2fs', 'mkfs.vfat', 'mmdebstrap', 'sfdisk', 'xz'].sort(),
    );
    // Every checked tool has a package that installs it (the MissingToolError hint).
    for (const bin of toolsCheckedBefore('build'))
      expect(hostTools.find((t) => t.bin === bin)?.apt).toMatch(/^[a-z0-9.+-]+$/);
  });

  it('knows which target architectures run natively', () => {
    expect(isNativeArch('arm64', 'arm64')).toBe(true);
    expect(isNativeArch('armhf', 'arm')).toBe(true);
    expect(isNativeArch('arm64', 'x64')).toBe(false);
    expect(isNativeArch('armhf', 'arm64')).toBe(false);
  });
});
