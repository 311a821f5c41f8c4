/**
 * StreamPieces: every piece in order, a bounded read-ahead (the source is paused, then resumed),
 * errors and a destroyed source reported, an unfinished source destroyed on close.
 */
import { PassThrough, Readable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { StreamPieces } from '../../../src/flash/stream-pieces.js';

const K = 1024;

async function drain(pieces: StreamPieces): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (;;) {
    const next = pieces.next();
    const piece = next instanceof Promise ? await next : next;
    if (piece === null) return out;
    out.push(piece);
  }
}

describe('StreamPieces', () => {
  it('hands out every piece in order, then null', async () => {
    const parts = Array.from({ length: 50 }, (_, i) => Buffer.alloc(1000 + i, i));
    const pieces = new StreamPieces(Readable.from(parts), 4 * K);
    expect(Buffer.concat(await drain(pieces)).equals(Buffer.concat(parts))).toBe(true);
    pieces.close();
  });

  it('starts a stream that was paused on purpose (a decompressor’s stdout)', async () => {
    const source = new PassThrough();
    source.pause();
    const pieces = new StreamPieces(source, 64 * K);
    source.end(Buffer.from('abc'));
    expect(Buffer.concat(await drain(pieces)).toString()).toBe('abc');
  });

  it('reads ahead no more than about aheadBytes, and resumes once half of it is taken', async () => {
    const source = new PassThrough({ highWaterMark: 1 });
    const pieces = new StreamPieces(source, 8 * K);
    for (let i = 0; i < 10; i++) source.write(Buffer.alloc(2 * K, i));
    await tick();
    expect(source.isPaused()).toBe(true);
    expect(pieces.next()).toEqual(Buffer.alloc(2 * K, 0));
    expect(source.isPaused()).toBe(true);
    expect(pieces.next()).toEqual(Buffer.alloc(2 * K, 1));
    expect(source.isPaused()).toBe(false);
    source.end();
    expect((await drain(pieces)).length).toBe(8);
  });

  it('reports a source error', async () => {
    const source = new PassThrough();
    const pieces = new StreamPieces(source, 64 * K);
    const waiting = drain(pieces);
    source.destroy(new Error('unexpected end of file'));
    await expect(waiting).rejects.toThrow('unexpected end of file');
  });

  it('reports a source destroyed without an error as a premature close', async () => {
    const source = new PassThrough();
    const pieces = new StreamPieces(source, 64 * K);
    source.write('x');
    const waiting = drain(pieces);
    source.destroy();
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
  });

  it('destroys a source not read to its end when closed, and only then', async () => {
    const unfinished = new PassThrough();
    new StreamPieces(unfinished, 64 * K).close();
    expect(unfinished.destroyed).toBe(true);

    const finished = new PassThrough({ autoDestroy: false });
    const pieces = new StreamPieces(finished, 64 * K);
    finished.end('done');
    await drain(pieces);
    pieces.close();
    expect(finished.destroyed).toBe(false);
  });
});
