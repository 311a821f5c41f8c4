/**
 * Page-aligned buffers for O_DIRECT I/O. Node's Buffers carry no alignment guarantee (malloc puts
 * a header before large blocks), and O_DIRECT refuses misaligned memory with EINVAL. A
 * WebAssembly.Memory is mapped whole pages at a time, so views into it at multiples of 4096 are
 * aligned. O_DIRECT writes skip the page cache: no copy into it, no writeback later, progress that
 * reflects the card, and read-back that comes from the card.
 */

// The project's lib (ES2023, no DOM) leaves out the WebAssembly namespace; this is all we use of it.
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
};

/** Offset, length and memory alignment good for every logical block size up to 4 KiB. */
export const directAlignment = 4096;

const wasmPage = 64 * 1024;
const alignedMemory = new WeakSet<ArrayBufferLike>();

/** One aligned buffer per size, carved from a single mapping. */
export function alignedBuffers(count: number, size: number): Buffer[] {
  const stride = Math.ceil(size / directAlignment) * directAlignment;
  const memory = new WebAssembly.Memory({ initial: Math.ceil((stride * count) / wasmPage) });
  alignedMemory.add(memory.buffer);
  const all = Buffer.from(memory.buffer);
  return Array.from({ length: count }, (_, i) => all.subarray(i * stride, i * stride + size));
}

export function alignedBuffer(size: number): Buffer {
  return alignedBuffers(1, size)[0];
}

export function isAligned(n: number): boolean {
  return n % directAlignment === 0;
}

/** `buf` starts on a page boundary in memory (made by alignedBuffers), fit for O_DIRECT. */
export function isAlignedMemory(buf: Buffer): boolean {
  return alignedMemory.has(buf.buffer) && isAligned(buf.byteOffset);
}
