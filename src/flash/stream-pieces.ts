/**
 * The pieces of a byte stream as they arrive, with a read-ahead. A Readable's async iterator reads
 * in paused mode: a child's stdout buffers less than one 64 KiB pipe read before Node stops
 * reading it, so a decompressor on the other core waited for the flash after every piece, and
 * every piece cost a promise, a 'readable' event and two epoll changes. Taken from 'data' events
 * instead, the pieces queue up to `aheadBytes` while the flash copies, hashes and writes, and are
 * handed out without a promise whenever one is queued.
 */
import type { Readable } from 'node:stream';

/** What `next()` gives: a piece, or null at the end of the stream. */
export type NextPiece = Buffer | null;

export class StreamPieces {
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private paused = false;
  private ended = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;
  private readonly detach: () => void;

  constructor(
    private readonly stream: Readable,
    private readonly aheadBytes: number,
  ) {
    const onData = (piece: Buffer) => {
      this.queue.push(piece);
      this.queued += piece.length;
      if (this.queued >= this.aheadBytes && !this.paused) {
        this.paused = true;
        this.stream.pause();
      }
      this.notify();
    };
    const onEnd = () => {
      this.ended = true;
      this.notify();
    };
    const onError = (error: Error) => {
      this.error ??= error;
      this.notify();
    };
    // Destroyed without an error (the source was stopped): what the async iterator reports too.
    const onClose = () => {
      if (!this.ended)
        this.error ??= Object.assign(new Error('Premature close'), {
          code: 'ERR_STREAM_PREMATURE_CLOSE',
        });
      this.notify();
    };
    stream.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
    this.detach = () =>
      stream.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    // A stream paused on purpose (a decompressor's stdout waits for its reader) stays paused
    // when a 'data' listener comes: start it.
    stream.resume();
  }

  /** The next piece (null at the end): at once when one is queued, else a promise of it. */
  next(): NextPiece | Promise<NextPiece> {
    if (this.error) throw this.error;
    const piece = this.queue.shift();
    if (piece) {
      this.queued -= piece.length;
      if (this.paused && this.queued <= this.aheadBytes / 2) {
        this.paused = false;
        this.stream.resume();
      }
      return piece;
    }
    if (this.ended) return null;
    return new Promise<void>((resolve) => (this.wake = resolve)).then(() => this.next());
  }

  /** Stop listening; a stream not read to its end is destroyed (as leaving a for-await loop does). */
  close(): void {
    this.detach();
    // A late error (an aborted download) must find a listener, or it would crash the process.
    this.stream.on('error', () => undefined);
    if (!this.ended) this.stream.destroy();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
