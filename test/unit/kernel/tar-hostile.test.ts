/**
 * kernel/tar.ts reads user-supplied .deb files: a hostile or damaged archive must end in a
 * TarError (shown as "damaged .deb") or be skipped, never exhaust memory or desynchronise.
 */
import { describe, expect, it } from 'vitest';
import { TarError, TarReader, paxRecords, type TarEntry } from '../../../src/kernel/tar.js';

function header(name: string, size: number | string, type = '0', sizeBytes?: Buffer): Buffer {
  const b = Buffer.alloc(512);
  b.write(name, 0, 100, 'utf8');
  b.write('0000644\0', 100);
  b.write('0000000\0', 108);
  b.write('0000000\0', 116);
  if (sizeBytes) sizeBytes.copy(b, 124);
  else
    b.write(typeof size === 'number' ? size.toString(8).padStart(11, '0') + '\0' : size, 124, 12);
  b.write('00000000000\0', 136);
  b.write(type, 156);
  b.write('ustar\0', 257);
  b.write('00', 263);
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return b;
}
const padded = (data: Buffer) =>
  Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
const end = Buffer.alloc(1024);
const record = (kv: string) => {
  let n = Buffer.byteLength(kv) + 3;
  if (String(n).length + Buffer.byteLength(kv) + 2 !== n) n++;
  return `${n} ${kv}\n`;
};
const pax = (records: string) =>
  Buffer.concat([
    header('PaxHeader', Buffer.byteLength(records), 'x'),
    padded(Buffer.from(records)),
  ]);

function read(bytes: Buffer, maxEntryBytes?: number) {
  const got: [string, string][] = [];
  const seen: TarEntry[] = [];
  const reader = new TarReader(
    { want: (e) => (seen.push(e), true), data: (e, d) => got.push([e.name, d.toString()]) },
    maxEntryBytes,
  );
  reader.push(bytes);
  return { got, seen, ended: reader.ended };
}

describe('TarReader against hostile archives', () => {
  it('refuses to keep an entry larger than its bound, before reading any of it', () => {
    const huge = header('boot/config-x', 8 * 1024 ** 3); // claims 8 GiB
    expect(() => read(huge, 64 << 20)).toThrow(TarError);
    expect(() => read(huge, 64 << 20)).toThrow(/boot\/config-x is 8589934592 bytes, more than/);
  });

  it('skips a huge entry nobody wants without buffering it', () => {
    const reader = new TarReader({ want: () => false, data: () => undefined });
    reader.push(header('lib/modules/big.ko', 2 ** 40));
    reader.push(Buffer.alloc(1 << 20));
    expect(reader.ended).toBe(false); // still skipping: a truncated archive, not an end
  });

  it('refuses malformed, negative and implausible sizes', () => {
    expect(() => read(header('a', '12z4567\0'))).toThrow(/bad size field/);
    const negative = Buffer.alloc(12, 0xff);
    expect(() => read(header('a', 0, '0', negative))).toThrow(/negative entry size/);
    const enormous = Buffer.alloc(12, 0);
    enormous[0] = 0x80;
    enormous.fill(0x7f, 1);
    expect(() => read(header('a', 0, '0', enormous))).toThrow(/not plausible/);
  });

  it('bounds GNU long names and pax headers', () => {
    expect(() => read(header('././@LongLink', 2 << 20, 'L'))).toThrow(/long name/);
    expect(() => read(header('PaxHeader', 2 << 20, 'x'))).toThrow(/pax header/);
  });

  it('refuses malformed pax records instead of guessing', () => {
    expect(() => paxRecords(Buffer.from('99 path=a\n'))).toThrow(TarError); // length lies
    expect(() => paxRecords(Buffer.from('x path=a\n'))).toThrow(TarError);
    expect(() => paxRecords(Buffer.from('9 pathXa\n'))).toThrow(TarError); // no '='
    expect(() => read(Buffer.concat([pax('12 path=a\nX'), header('b', 0), end]))).toThrow(TarError);
    expect(paxRecords(Buffer.from(record('path=a/b') + record('size=3')))).toEqual(
      new Map([
        ['path', 'a/b'],
        ['size', '3'],
      ]),
    );
  });

  it('honours a pax size (and path) for the next entry only', () => {
    const data = Buffer.from('hello');
    const bytes = Buffer.concat([
      pax(record('path=../boot/config-evil') + record('size=5')),
      header('short-name', 0),
      padded(data),
      header('next', 2),
      padded(Buffer.from('ok')),
      end,
    ]);
    const { got, ended } = read(bytes);
    // Names are reported as the archive says (only matched, never used as a path to write).
    expect(got).toEqual([
      ['../boot/config-evil', 'hello'],
      ['next', 'ok'],
    ]);
    expect(ended).toBe(true);
    expect(() => read(Buffer.concat([pax(record('size=-1')), header('a', 0), end]))).toThrow(
      /bad pax size/,
    );
  });

  it('a truncated archive does not look ended', () => {
    const whole = Buffer.concat([
      header('boot/config-x', 600),
      padded(Buffer.alloc(600, 0x41)),
      end,
    ]);
    const { got, ended } = read(whole.subarray(0, 800));
    expect(got).toEqual([]);
    expect(ended).toBe(false);
  });
});
