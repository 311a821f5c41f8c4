import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifyKernelPath, orderCandidates } from '../../../src/kernel/candidates.js';
import { parseArHeader } from '../../../src/kernel/deb.js';
import { TarError, TarReader, paxPath, type TarEntry } from '../../../src/kernel/tar.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/kernel/${name}`, import.meta.url));
const longName = `lib/modules/6.1.0-50-arm64/kernel/kernel/${'x'.repeat(120)}.ko`;

function readTar(bytes: Buffer, chunkSize: number, want: (e: TarEntry) => boolean = () => true) {
  const seen: string[] = [];
  const got = new Map<string, string>();
  const reader = new TarReader({
    want: (e) => {
      seen.push(`${e.type}:${e.name}`);
      return want(e);
    },
    data: (e, d) => got.set(e.name, d.toString()),
  });
  for (let i = 0; i < bytes.length; i += chunkSize) reader.push(bytes.subarray(i, i + chunkSize));
  return { seen, got, ended: reader.ended };
}

describe('TarReader', () => {
  it.each([
    ['gnu-long-names.tar', 512],
    ['gnu-long-names.tar', 7],
    ['gnu-long-names.tar', 100_000],
    ['pax.tar', 1],
    ['pax.tar', 513],
  ])('%s in %d-byte chunks: names, long names, data, end', (name, chunk) => {
    const { seen, got, ended } = readTar(fixture(name), chunk);
    expect(seen).toEqual([
      'file:boot/config-6.1.0-50-arm64',
      'file:lib/modules/6.1.0-50-arm64/kernel/kernel/configs.ko',
      `file:${longName}`,
    ]);
    expect(Object.fromEntries(got)).toEqual({
      'boot/config-6.1.0-50-arm64': 'CONFIG_A=y\n',
      'lib/modules/6.1.0-50-arm64/kernel/kernel/configs.ko': 'ELF',
      [longName]: 'long\n',
    });
    expect(ended).toBe(true);
  });

  it('skips the data of entries nobody wants', () => {
    const { got } = readTar(fixture('gnu-long-names.tar'), 64, (e) =>
      e.name.endsWith('configs.ko'),
    );
    expect([...got.keys()]).toEqual(['lib/modules/6.1.0-50-arm64/kernel/kernel/configs.ko']);
  });

  it('refuses data that is not tar', () => {
    const reader = new TarReader({ want: () => true, data: () => undefined });
    expect(() => reader.push(Buffer.alloc(512, 0x41))).toThrow(TarError);
  });

  it('reads pax path records', () => {
    const record = (kv: string) => {
      let n = kv.length + 3;
      if (String(n).length + kv.length + 2 !== n) n++;
      return `${n} ${kv}\n`;
    };
    expect(paxPath(Buffer.from(record('mtime=1') + record('path=a/b/c')))).toBe('a/b/c');
  });
});

describe('parseArHeader', () => {
  const header = (name: string, size: string, end = '`\n') =>
    Buffer.from(
      name.padEnd(16) +
        '0'.padEnd(12) +
        '0'.padEnd(6) +
        '0'.padEnd(6) +
        '100644'.padEnd(8) +
        size.padEnd(10) +
        end,
    );
  it('reads name and size; strips the GNU trailing slash', () => {
    expect(parseArHeader(header('data.tar.xz', '59407108'), 132)).toEqual({
      name: 'data.tar.xz',
      offset: 192,
      size: 59407108,
    });
    expect(parseArHeader(header('debian-binary/', '4'), 8)).toMatchObject({
      name: 'debian-binary',
      size: 4,
    });
  });
  it('rejects a damaged header', () => {
    expect(parseArHeader(header('data.tar.xz', '12', 'xx'), 0)).toBeUndefined();
    expect(parseArHeader(header('data.tar.xz', 'abc'), 0)).toBeUndefined();
  });
});

describe('classifyKernelPath', () => {
  it.each([
    ['boot/config-6.1.0-50-arm64', { type: 'config', version: '6.1.0-50-arm64' }],
    ['/boot/firmware/config-6.6.51+rpt-rpi-v8', { type: 'config', version: '6.6.51+rpt-rpi-v8' }],
    ['/config-6.1.0', { type: 'config', version: '6.1.0' }],
    [
      'lib/modules/6.6.51+rpt-rpi-v8/kernel/kernel/configs.ko.xz',
      { type: 'module', version: '6.6.51+rpt-rpi-v8' },
    ],
    [
      '/usr/lib/modules/6.1.0-50-arm64/kernel/kernel/configs.ko',
      { type: 'module', version: '6.1.0-50-arm64' },
    ],
    ['boot/vmlinuz-6.1.0-50-arm64', { type: 'image', version: '6.1.0-50-arm64' }],
    ['/kernel8.img', { type: 'image' }],
    ['/kernel_2712.img', { type: 'image' }],
    ['Image', { type: 'image' }],
    ['/config.txt', undefined],
    ['/cmdline.txt', undefined],
    ['/initrd.img-6.1.0-50-arm64', undefined],
    ['boot/config-6.1.0-50-arm64.dpkg-bak', undefined],
    ['etc/foo/config-6.1', undefined],
    ['lib/modules/6.1.0-50-arm64/kernel/net/bridge/bridge.ko', undefined],
  ])('%s', (path, expected) => expect(classifyKernelPath(path)).toEqual(expected));
});

describe('orderCandidates', () => {
  it('puts the newest version first, config before module before image, unnamed last', () => {
    const c = (label: string) => ({ ...classifyKernelPath(label)!, label });
    const ordered = orderCandidates([
      c('/kernel8.img'),
      c('boot/vmlinuz-6.1.0-50-arm64'),
      c('boot/config-6.1.0-9-arm64'),
      c('lib/modules/6.1.0-50-arm64/kernel/kernel/configs.ko'),
      c('boot/config-6.1.0-50-arm64'),
      c('boot/config-5.10.0-28-arm64'),
    ]);
    expect(ordered.map((x) => x.label)).toEqual([
      'boot/config-6.1.0-50-arm64',
      'lib/modules/6.1.0-50-arm64/kernel/kernel/configs.ko',
      'boot/vmlinuz-6.1.0-50-arm64',
      'boot/config-6.1.0-9-arm64',
      'boot/config-5.10.0-28-arm64',
      '/kernel8.img',
    ]);
  });
});
