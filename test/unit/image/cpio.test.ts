import { describe, expect, it } from 'vitest';
import { CpioError, listCpio } from '../../../src/image/cpio.js';

/** A newc archive of these names (each with `size` bytes of data), the way cpio -H newc writes. */
function newc(entries: { name: string; size?: number }[]): Buffer {
  const parts: Buffer[] = [];
  const pad = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);
  for (const e of [...entries, { name: 'TRAILER!!!' }]) {
    const size = e.size ?? 0;
    const hex = (n: number) => n.toString(16).padStart(8, '0');
    const fields = [0, 0o100644, 0, 0, 1, 0, size, 0, 0, 0, 0, e.name.length + 1, 0];
    const header = Buffer.from(`070701${fields.map(hex).join('')}`, 'latin1');
    const name = Buffer.from(`${e.name}\0`);
    parts.push(header, name, pad(header.length + name.length), Buffer.alloc(size, 7), pad(size));
  }
  return Buffer.concat(parts);
}

describe('listCpio', () => {
  it('lists every archive of a concatenation and stops at what follows', () => {
    const early = newc([
      { name: 'kernel' },
      { name: 'usr/lib/modules/6.12/kernel/sdhci.ko.xz', size: 5 },
    ]);
    const main = newc([{ name: 'init', size: 3 }]);
    const zstd = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3]);
    const b = Buffer.concat([early, Buffer.alloc(512 - (early.length % 512)), main, zstd]);
    expect(listCpio(b)).toEqual({
      names: ['kernel', 'usr/lib/modules/6.12/kernel/sdhci.ko.xz', 'init'],
      end: b.length - zstd.length,
    });
  });

  it('ends at the buffer end when nothing follows', () => {
    const b = newc([{ name: 'a', size: 1 }]);
    expect(listCpio(b).end).toBe(b.length);
  });

  it('refuses a truncated entry', () => {
    const b = newc([{ name: 'big', size: 100 }]);
    expect(() => listCpio(b.subarray(0, 150))).toThrow(CpioError);
  });
});
