/**
 * One card being written: positional O_DIRECT writes of the chunks' segments, a few in flight, so
 * progress reports what reached the card, not the page cache (where O_DIRECT is unavailable:
 * cached writes with a periodic fdatasync, for the same reason).
 * A failure is kept, not thrown into the shared pump: the other cards carry on.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { log } from '../log.js';
import { invokingSudoUser } from '../config-dir.js';
import type { Chunk } from './chunks.js';
import { formatBytes } from '../format-bytes.js';
import type { Segment } from './plan.js';
import { directAlignment, isAligned, isAlignedMemory } from './aligned.js';

export interface WriterOptions {
  /** fdatasync after this many bytes (honest progress on slow cards, bounded dirty memory). */
  syncEveryBytes: number;
  /** Concurrent writes per card. */
  maxInFlight: number;
  /** O_EXCL: Linux refuses (EBUSY) when a partition is mounted or the disk is claimed. */
  exclusive: boolean;
  /** O_DIRECT where the platform has it (Linux); falls back to cached writes when refused. */
  direct: boolean;
  /** A new file (an image file target): created, never an existing one. */
  create?: boolean;
}

const isRoot = () => process.getuid?.() === 0;

/** What to do about a card that stopped taking writes, or reads, half way. */
const cardFailedFix =
  'the card or its reader failed; remove the card and try another card or reader (test this one with f3 or h2testw)';

/**
 * A one-line message naming the device, the place and what to do. Opening is where permissions
 * matter; once bytes are going to the card, any error is the card's (or the reader's): one that
 * turns read-only half way says EPERM, one smaller than it claims ENOSPC, one pulled out ENXIO.
 */
export function deviceError(
  device: string,
  action: string,
  offset: number | undefined,
  error: unknown,
  root: boolean = isRoot(),
): UserError {
  if (error instanceof UserError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const where = offset === undefined ? '' : ` at ${formatBytes(offset)}`;
  const opening = action === 'open' || action === 'create';
  const because = code || (error as Error).message;
  if (!opening && code !== 'EBUSY')
    return new UserError(
      code === 'EROFS' || code === 'EPERM' || code === 'EACCES'
        ? `cannot ${action} ${device}${where} (${because}): the card turned read-only, as failing cards do; ${cardFailedFix}`
        : code === 'ENXIO' || code === 'ENODEV' || code === 'ENOENT'
          ? `${device} disappeared${where} (${because}); if the card was not removed, ${cardFailedFix}`
          : `cannot ${action} ${device}${where} (${because}); ${cardFailedFix}`,
    );
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return new UserError(
        root
          ? `cannot ${action} ${device}: ${code} even as root; check that the card is not read-only (its lock switch) and that no security policy (SELinux, AppArmor) denies it`
          : `cannot ${action} ${device}: permission denied; run it again with sudo`,
      );
    case 'EBUSY':
      return new UserError(
        `${device} is busy; unmount its partitions and close programs using it, then try again`,
      );
    case 'EROFS':
      return new UserError(`${device} is read-only; check the card’s lock switch`);
    case 'ENOENT':
    case 'ENXIO':
    case 'ENODEV':
      return new UserError(`${device} disappeared${where}; was the card removed?`);
    default:
      return new UserError(`cannot ${action} ${device} (${because}); ${cardFailedFix}`);
  }
}

export class DeviceWriter {
  /** Every byte written to the card, zeroed head and partition table included. */
  bytesWritten = 0;
  error: UserError | undefined;
  /** Time with no write in flight since the first one (--debug: the card ran dry). */
  idleMs = 0;
  private idleSince: number | undefined;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private idle: (() => void)[] = [];
  private sinceSync = 0;
  private syncing: Promise<void> = Promise.resolve();
  private closed = false;
  /** Lazily opened without O_DIRECT, for the rare piece that is not 4 KiB aligned. */
  private buffered: Promise<FileHandle> | undefined;

  private constructor(
    readonly device: string,
    readonly path: string,
    private readonly fh: FileHandle,
    /** fh bypasses the page cache (O_DIRECT). */
    readonly direct: boolean,
    readonly sizeBytes: number,
    private readonly opts: WriterOptions,
  ) {}

  static async open(
    device: string,
    path: string,
    sizeBytes: number,
    opts: WriterOptions,
  ): Promise<DeviceWriter> {
    if (opts.create) {
      // Created on its own first: an O_DIRECT open that fails (tmpfs) would leave it made anyway.
      // 0600: a seeded image holds the password hash, the Wi-Fi PSK and a server key.
      const made = await open(
        path,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
        0o600,
      ).catch((error: unknown) => {
        throw deviceError(device, 'create', undefined, error);
      });
      // Under sudo the file is the caller's (as armada's config dir is), not root's. A file
      // system without owners (FAT, a squashed NFS) refuses: the file stays root's then.
      const owner = await invokingSudoUser();
      if (owner)
        await made
          .chown(owner.uid, owner.gid)
          .catch((error: NodeJS.ErrnoException) =>
            log.warn(
              `${device} stays root's: cannot give it to uid ${owner.uid} (${error.code ?? error.message})`,
            ),
          );
      await made.close();
    }
    const base = constants.O_WRONLY | (opts.exclusive && !opts.create ? constants.O_EXCL : 0);
    const direct = opts.direct && constants.O_DIRECT !== undefined;
    const attempt = (flags: number) =>
      open(path, flags).catch((error: unknown) => {
        throw deviceError(device, 'open', undefined, error);
      });
    if (direct) {
      // Some devices (and filesystems under loop devices) refuse O_DIRECT: then the page cache it is.
      const fh = await open(path, base | constants.O_DIRECT).catch(
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'EINVAL') return undefined;
          throw deviceError(device, 'open', undefined, error);
        },
      );
      if (fh) return new DeviceWriter(device, path, fh, true, sizeBytes, opts);
    }
    return new DeviceWriter(device, path, await attempt(base), false, sizeBytes, opts);
  }

  get failed(): boolean {
    return this.error !== undefined;
  }

  fail(error: unknown, action = 'write', offset?: number): void {
    this.error ??= deviceError(this.device, action, offset, error);
  }

  /** Write the chunk's segments. Never rejects: a failure lands in `error`. */
  async write(chunk: Chunk): Promise<void> {
    if (this.error) return;
    if (this.inFlight >= this.opts.maxInFlight)
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.idleSince !== undefined) this.idleMs += performance.now() - this.idleSince;
    this.idleSince = undefined;
    this.inFlight++;
    try {
      for (const s of chunk.segments) {
        if (this.error) return;
        await this.writeSegment(chunk, s);
      }
      // Only cached writes pile up unseen; O_DIRECT ones have reached the device when they return.
      if (this.sinceSync >= this.opts.syncEveryBytes) {
        this.sinceSync = 0;
        this.syncing = this.syncing
          .then(() => this.sync())
          .catch((error: unknown) => this.fail(error, 'flush'));
      }
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
      if (this.inFlight === 0) {
        this.idleSince = performance.now();
        for (const done of this.idle.splice(0)) done();
      }
    }
  }

  private async writeSegment(chunk: Chunk, s: Segment): Promise<void> {
    if (s.end > this.sizeBytes) {
      this.error ??= new UserError(
        `the image is bigger than ${this.device} (${formatBytes(this.sizeBytes)}); use a card of at least ${formatBytes(s.end)}`,
      );
      return;
    }
    let end = s.end;
    if (!isAligned(end - s.start)) {
      // Only the image's last bytes can be unaligned; pad them with zeros to whole blocks.
      const padded = s.start + Math.ceil((s.end - s.start) / directAlignment) * directAlignment;
      if (padded - chunk.offset <= chunk.buf.length && padded <= this.sizeBytes) {
        chunk.buf.fill(0, s.end - chunk.offset, padded - chunk.offset);
        end = padded;
      }
    }
    await this.writeAt(chunk.buf.subarray(s.start - chunk.offset, end - chunk.offset), s.start);
  }

  /** A positional write of all of `data`; failures land in `error`. */
  async writeAt(data: Buffer, position: number): Promise<void> {
    try {
      // O_DIRECT needs aligned memory, offset and length; anything else goes through the cache.
      const fh =
        this.direct && isAligned(position) && isAligned(data.length) && isAlignedMemory(data)
          ? this.fh
          : await this.cached();
      for (let done = 0; done < data.length;) {
        const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
        if (bytesWritten === 0) throw Object.assign(new Error('short write'), { code: 'EIO' });
        done += bytesWritten;
      }
      this.bytesWritten += data.length;
      if (fh !== this.fh || !this.direct) this.sinceSync += data.length;
    } catch (error) {
      this.fail(error, 'write', position);
    }
  }

  private cached(): Promise<FileHandle> {
    if (!this.direct) return Promise.resolve(this.fh);
    // The O_DIRECT handle holds the exclusive claim; a second, plain open is still allowed.
    this.buffered ??= open(this.path, constants.O_WRONLY);
    return this.buffered;
  }

  private async sync(): Promise<void> {
    await this.fh.datasync();
    if (this.buffered) await (await this.buffered).datasync();
  }

  /** st_rdev of the open descriptor: the device this writer writes, whatever its path names now. */
  async rdev(): Promise<bigint> {
    return (await this.fh.stat({ bigint: true })).rdev;
  }

  /** Wait for every write and flush them to the card; throws this card's failure, if any. */
  async finish(): Promise<void> {
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    await this.syncing;
    if (!this.error) await this.sync().catch((error: unknown) => this.fail(error, 'flush'));
    if (this.error) throw this.error;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const buffered = await this.buffered?.catch(() => undefined);
    await buffered?.close().catch(() => undefined);
    await this.fh.close().catch(() => undefined);
  }
}
