import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GzipError, gunzipAll, gunzipMember } from '../../../src/kernel/gzip.js';
import {
  IkconfigCorruptError,
  extractIkconfig,
  ikconfigBlob,
} from '../../../src/kernel/ikconfig.js';
import { isFatBootSector, sniff } from '../../../src/source/magic.js';
import { parseZbootHeader } from '../../../src/kernel/zboot.js';
import {
  fakeArm64Image,
  fakeConfigsKo,
  fakeZImage,
  zbootImage,
} from '../../helpers/kernel-packages.js';

const config = readFileSync(
  new URL('../../fixtures/kernel/config-6.1-arm64-trimmed', import.meta.url),
  'utf8',
);

function at(offset: number, bytes: number[] | string, length = 4096): Buffer {
  const b = Buffer.alloc(length);
  if (typeof bytes === 'string') b.write(bytes, offset, 'latin1');
  else Buffer.from(bytes).copy(b, offset);
  return b;
}

function fatBootSector(): Buffer {
  const b = at(0, [0xeb, 0x58, 0x90]);
  b.write('mkfs.fat', 3, 'latin1');
  b.writeUInt16LE(512, 11);
  b[13] = 4;
  b.write('FAT32   ', 0x52, 'latin1');
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}

describe('sniff: content, not names', () => {
  it.each([
    ['empty', Buffer.alloc(0)],
    ['gzip', gzipSync('CONFIG_A=y\n')],
    ['xz', at(0, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])],
    ['zstd', at(0, [0x28, 0xb5, 0x2f, 0xfd])],
    ['bzip2', at(0, 'BZh9')],
    ['ar', at(0, '!<arch>\ndebian-binary   ')],
    ['elf', fakeConfigsKo(config)],
    ['zboot', zbootImage(gzipSync('x'))],
    ['arm64-image', fakeArm64Image(undefined)],
    ['zimage', fakeZImage(Buffer.alloc(16))],
    ['bzimage', at(0x202, 'HdrS')],
    [
      'gpt',
      (() => {
        const b = at(512, 'EFI PART');
        b[510] = 0x55;
        b[511] = 0xaa;
        return b;
      })(),
    ],
    [
      'mbr',
      (() => {
        const b = Buffer.alloc(4096);
        b[510] = 0x55;
        b[511] = 0xaa;
        return b;
      })(),
    ],
    ['fat', fatBootSector()],
    [
      'ext',
      (() => {
        const b = Buffer.alloc(4096);
        b.writeUInt16LE(0xef53, 0x438);
        return b;
      })(),
    ],
    ['config', Buffer.from(config)],
    ['unknown', Buffer.from('hello, world\n')],
    ['unknown', randomBytes(100).fill(0, 0, 8)],
  ])('%s', (expected, bytes) => expect(sniff(bytes)).toBe(expected));

  it('does not take a GRUB-style MBR (jump instruction, no FAT) for a FAT filesystem', () => {
    const mbr = at(0, [0xeb, 0x63, 0x90]);
    mbr[510] = 0x55;
    mbr[511] = 0xaa;
    expect(isFatBootSector(mbr)).toBe(false);
    expect(sniff(mbr)).toBe('mbr');
  });

  it('reads the zboot header', () => {
    const payload = gzipSync(Buffer.alloc(1000));
    expect(parseZbootHeader(zbootImage(payload, 'zstd22'))).toEqual({
      payloadOffset: 4096,
      payloadSize: payload.length,
      compression: 'zstd22',
    });
    expect(parseZbootHeader(fakeArm64Image(undefined))).toBeUndefined();
  });
});

describe('gunzipMember', () => {
  const data = Buffer.from(config);
  const gz = gzipSync(data);

  it('stops at the end of the member and says where that is', () => {
    const inside = Buffer.concat([randomBytes(100), gz, Buffer.from('IKCFG_ED and more')]);
    const { data: out, end } = gunzipMember(inside, 100);
    expect(out.equals(data)).toBe(true);
    expect(end).toBe(100 + gz.length);
  });

  it('handles FNAME headers (gzip with a file name)', () => {
    const named = Buffer.concat([
      gz.subarray(0, 3),
      Buffer.from([0x08]),
      gz.subarray(4, 10),
      Buffer.from('config\0'),
      gz.subarray(10),
    ]);
    expect(gunzipMember(named).data.equals(data)).toBe(true);
  });

  it.each([
    ['truncated', gz.subarray(0, gz.length - 20)],
    ['truncated', gz.subarray(0, 5)],
    [
      'corrupt',
      (() => {
        const b = Buffer.from(gz);
        b[b.length - 8] ^= 1;
        return b;
      })(),
    ],
    ['not-gzip', Buffer.from('CONFIG_A=y\n')],
  ])('reports %s data', (reason, bytes) => {
    expect(() => gunzipMember(bytes)).toThrow(GzipError);
    try {
      gunzipMember(bytes);
    } catch (e) {
      expect((e as GzipError).reason).toBe(reason);
    }
  });

  it('gunzipAll joins members and ignores zero padding', () => {
    const two = Buffer.concat([gzipSync('a'), gzipSync('b'), Buffer.alloc(512)]);
    expect(gunzipAll(two).toString()).toBe('ab');
  });

  it('stops at a size cap instead of filling the memory', () => {
    const big = gzipSync(Buffer.alloc(1 << 20));
    expect(() => gunzipAll(big, 1000)).toThrow(expect.objectContaining({ reason: 'too-large' }));
    expect(gunzipAll(big, 2 << 20)).toHaveLength(1 << 20);
  });
});

describe('extractIkconfig', () => {
  it('finds the config between IKCFG_ST and IKCFG_ED in a module and an image', () => {
    expect(extractIkconfig(fakeConfigsKo(config))).toBe(config);
    expect(extractIkconfig(fakeArm64Image(config))).toBe(config);
  });

  it('returns undefined when there is no IKCONFIG', () => {
    expect(extractIkconfig(fakeArm64Image(undefined))).toBeUndefined();
    // The marker alone (e.g. the string in scripts) is not a config.
    expect(extractIkconfig(Buffer.from('grep IKCFG_ST "$img"'))).toBeUndefined();
  });

  it('says when the embedded data is damaged', () => {
    const blob = ikconfigBlob(gzipSync(config));
    const cut = Buffer.concat([randomBytes(64), blob.subarray(0, blob.length - 300)]);
    expect(() => extractIkconfig(cut)).toThrow(IkconfigCorruptError);
  });
});
