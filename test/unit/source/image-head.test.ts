import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { partitionTableOf } from '../../../src/source/image-head.js';

function mbr(entries: { type: number; sectors: number }[]): Buffer {
  const b = Buffer.alloc(1 << 20);
  entries.forEach((e, i) => {
    b[446 + 16 * i + 4] = e.type;
    b.writeUInt32LE(e.sectors, 446 + 16 * i + 12);
  });
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}

describe('partitionTableOf', () => {
  it('finds an MBR with a used entry (a Raspberry Pi image: FAT then Linux)', () => {
    expect(
      partitionTableOf(
        mbr([
          { type: 0x0c, sectors: 1024 },
          { type: 0x83, sectors: 9 },
        ]),
      ),
    ).toBe('mbr');
  });

  it('finds a GPT header at 512 bytes, and at 4096 on 4Kn images', () => {
    const at512 = Buffer.alloc(8192);
    at512.write('EFI PART', 512, 'latin1');
    expect(partitionTableOf(at512)).toBe('gpt');
    const at4096 = Buffer.alloc(8192);
    at4096.write('EFI PART', 4096, 'latin1');
    expect(partitionTableOf(at4096)).toBe('gpt');
  });

  it.each([
    ['zeros', Buffer.alloc(1 << 20)],
    ['a boot signature without any used entry', mbr([])],
    ['an entry with a type but no size', mbr([{ type: 0x83, sectors: 0 }])],
    ['three bytes', Buffer.from('abc')],
    ['nothing', Buffer.alloc(0)],
  ])('finds none in %s', (_name, head) => {
    expect(partitionTableOf(head)).toBeUndefined();
  });

  it('finds none in random bytes without the boot signature', () => {
    const head = randomBytes(1 << 20);
    head[510] = 0;
    expect(partitionTableOf(head)).toBeUndefined();
  });
});
