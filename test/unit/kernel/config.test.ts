import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  compareKernel,
  compareVersions,
  kernelTriple,
  optionState,
  parseKernelConfig,
  stringOption,
} from '../../../src/kernel/config.js';
import { looksLikeKernelConfig } from '../../../src/source/magic.js';

const fixture = readFileSync(
  new URL('../../fixtures/kernel/config-6.1-arm64-trimmed', import.meta.url),
  'utf8',
);

describe('parseKernelConfig', () => {
  it('reads version and architecture from the header of a real Debian config', () => {
    const c = parseKernelConfig(fixture);
    expect(c.version).toBe('6.1.176');
    expect(c.arch).toBe('arm64');
    expect(optionState(c, 'NAMESPACES')).toBe('y');
    expect(optionState(c, 'OVERLAY_FS')).toBe('m');
    expect(optionState(c, 'IKCONFIG')).toBe('missing');
    expect(c.values.get('IKCONFIG')).toBe('n');
  });

  it('treats absent, "is not set" and non-tristate values as missing', () => {
    const c = parseKernelConfig(
      'CONFIG_A=y\nCONFIG_B=m\n# CONFIG_C is not set\nCONFIG_D="text"\nCONFIG_E=3\n',
    );
    expect(['A', 'B', 'C', 'D', 'E', 'F'].map((n) => optionState(c, n))).toEqual([
      'y',
      'm',
      'missing',
      'missing',
      'missing',
      'missing',
    ]);
    expect(c.version).toBeUndefined();
  });

  it('tolerates CRLF line ends and reads string values', () => {
    const c = parseKernelConfig(
      '# Linux/arm 4.19.66 Kernel Configuration\r\nCONFIG_A=y\r\nCONFIG_CMDLINE="console=tty1 x=\\"a b\\""\r\n',
    );
    expect(c.version).toBe('4.19.66');
    expect(c.arch).toBe('arm');
    expect(optionState(c, 'A')).toBe('y');
    expect(stringOption(c, 'CMDLINE')).toBe('console=tty1 x="a b"');
  });

  it('reads the old "Linux kernel version" header', () => {
    expect(parseKernelConfig('# Linux kernel version: 2.6.32\nCONFIG_A=y\n').version).toBe(
      '2.6.32',
    );
  });

  it('takes the first header only (a config pasted twice keeps the first)', () => {
    const c = parseKernelConfig(
      '# Linux/arm64 6.1.0 Kernel Configuration\n# Linux/x86 5.4.0 Kernel Configuration\n',
    );
    expect([c.arch, c.version]).toEqual(['arm64', '6.1.0']);
  });
});

describe('looksLikeKernelConfig', () => {
  it.each([
    [fixture, true],
    ['# CONFIG_FOO is not set\n', true],
    ['root:x:0:0:root:/root:/bin/bash\n', false],
    ['CONFIG_A=y\0binary', false],
    ['', false],
  ])('%#', (text, expected) => expect(looksLikeKernelConfig(text)).toBe(expected));
});

describe('compareVersions (sort -V)', () => {
  it.each([
    ['6.1.0-50-arm64', '6.1.0-9-arm64', 1],
    ['6.6.51+rpt-rpi-v8', '6.1.0-50-arm64', 1],
    ['6.1', '6.1.0', -1],
    ['5.10.0', '5.10.0', 0],
    ['5.10.0', '5.9.16', 1],
    ['6.1.0-rc1', '6.1.0-rc2', -1],
  ])('%s vs %s → %d', (a, b, expected) => expect(compareVersions(a, b)).toBe(expected));

  it('orders a list newest first', () => {
    const list = ['6.1.0-9-arm64', '6.1.0-50-arm64', '5.10.0-28-arm64', '6.1.0-10-arm64'];
    expect(list.sort((a, b) => compareVersions(b, a))).toEqual([
      '6.1.0-50-arm64',
      '6.1.0-10-arm64',
      '6.1.0-9-arm64',
      '5.10.0-28-arm64',
    ]);
  });
});

describe('kernelTriple / compareKernel', () => {
  it('parses major.minor.patch and ignores suffixes', () => {
    expect(kernelTriple('6.1.0-50-arm64')).toEqual([6, 1, 0]);
    expect(kernelTriple('5.4')).toEqual([5, 4, 0]);
    expect(kernelTriple('unknown')).toBeUndefined();
  });
  it('compares numerically, not as text', () => {
    expect(compareKernel([5, 10, 0], [5, 8, 0])).toBe(1);
    expect(compareKernel([4, 19, 0], [4, 19, 0])).toBe(0);
  });
});
