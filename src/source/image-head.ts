/**
 * Is it a disk image at all? Told by its first MiB, before any card is touched: a random file or a
 * tiny archive must not erase a card and then fail. Pure.
 */

export type PartitionTableKind = 'mbr' | 'gpt';

const ascii = (b: Uint8Array, at: number, n: number) =>
  b.length >= at + n ? Buffer.from(b.subarray(at, at + n)).toString('latin1') : '';

export function partitionTableOf(head: Uint8Array): PartitionTableKind | undefined {
  // GPT header in LBA 1: at 512 bytes, or at 4096 on 4Kn images.
  if (ascii(head, 512, 8) === 'EFI PART' || ascii(head, 4096, 8) === 'EFI PART') return 'gpt';
  if (head.length < 512 || head[510] !== 0x55 || head[511] !== 0xaa) return undefined;
  // The boot signature alone (one file in 65,536 has it by chance) is not enough: a used entry.
  const view = Buffer.from(head.buffer, head.byteOffset, 512);
  for (let i = 0; i < 4; i++) {
    const entry = 446 + 16 * i;
    if (view[entry + 4] !== 0 && view.readUInt32LE(entry + 12) > 0) return 'mbr';
  }
  return undefined;
}
