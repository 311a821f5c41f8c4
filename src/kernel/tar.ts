/**
 * A streaming tar reader that keeps only the entries asked for (a kernel package's data.tar
 * is hundreds of MB of modules; its config is a few hundred KB near the start). Handles ustar,
 * GNU long names ('L') and pax `path`/`size` records ('x'). Pure: fed chunks, no I/O.
 *
 * Hand-written rather than tar-stream because it must stop reading (and kill the decompressor)
 * as soon as the wanted entries are in hand, synchronously per chunk. The input is a user-supplied
 * .deb, so it is bounded: sizes must be well-formed, an entry it keeps may not exceed
 * maxEntryBytes, metadata records not 1 MiB, and a malformed pax record is an error. Entry names
 * are only matched against known kernel paths, never used to write files.
 */

export interface TarEntry {
  /** Path without a leading './'. */
  name: string;
  size: number;
  type: 'file' | 'directory' | 'symlink' | 'other';
}

export interface TarVisitor {
  /** Called for each entry's header; return true to receive its data. */
  want(entry: TarEntry): boolean;
  /** The data of an entry `want` asked for. */
  data(entry: TarEntry, data: Buffer): void;
}

const block = 512;
/** A GNU long name or pax header larger than this is hostile, not a kernel package. */
const maxMetaBytes = 1 << 20;
/** Default for the largest entry kept in memory (kernel images are ~30–60 MB). */
const defaultMaxEntryBytes = 256 << 20;

function cString(b: Buffer, start: number, length: number): string {
  const field = b.subarray(start, start + length);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? length : nul).toString('utf8');
}

function sizeField(b: Buffer): number {
  // GNU base-256 for files over 8 GiB: high bit set, big-endian binary (0xff: negative).
  if (b[124] & 0x80) {
    if (b[124] === 0xff) throw new TarError('negative entry size');
    return safeSize(b.subarray(125, 136).reduce((n, x) => n * 256n + BigInt(x), 0n));
  }
  const text = cString(b, 124, 12).trim();
  if (!/^[0-7]*$/.test(text)) throw new TarError(`bad size field '${text}'`);
  return text ? safeSize(BigInt(`0o${text}`)) : 0;
}

function safeSize(n: bigint): number {
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new TarError(`entry size ${n} is not plausible`);
  return Number(n);
}

function checksumOk(b: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < block; i++) sum += i >= 148 && i < 156 ? 32 : b[i];
  return parseInt(cString(b, 148, 8).trim(), 8) === sum;
}

/** pax extended header records (`<length> <key>=<value>\n`); malformed ones are an error. */
export function paxRecords(records: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let p = 0;
  // Trailing NULs pad the header block.
  while (p < records.length && records[p] !== 0) {
    const space = records.indexOf(0x20, p);
    const lengthText = space < 0 ? '' : records.subarray(p, space).toString('latin1');
    const length = /^[1-9][0-9]{0,7}$/.test(lengthText) ? Number(lengthText) : NaN;
    if (
      !(length > space - p + 1) ||
      p + length > records.length ||
      records[p + length - 1] !== 0x0a
    )
      throw new TarError('malformed pax header record');
    const record = records.subarray(space + 1, p + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq <= 0) throw new TarError('malformed pax header record');
    out.set(record.slice(0, eq), record.slice(eq + 1));
    p += length;
  }
  return out;
}

export function paxPath(records: Buffer): string | undefined {
  return paxRecords(records).get('path');
}

const normalize = (name: string) => name.replace(/^(\.\/)+/, '').replace(/^\/+/, '');

export class TarError extends Error {}

export class TarReader {
  private buffered: Buffer[] = [];
  private bufferedLength = 0;
  private skip = 0;
  private collecting: { entry: TarEntry; chunks: Buffer[]; left: number; pad: number } | undefined;
  private longName: string | undefined;
  /** A pax `size` for the next entry (files over 8 GiB, or a hostile override: both bounded). */
  private paxSize: number | undefined;
  private pendingMeta: { kind: 'L' | 'x'; size: number } | undefined;
  private zeroBlocks = 0;
  ended = false;

  constructor(
    private readonly visitor: TarVisitor,
    private readonly maxEntryBytes = defaultMaxEntryBytes,
  ) {}

  push(chunk: Buffer): void {
    let data = chunk;
    while (data.length && !this.ended) {
      if (this.skip) {
        const n = Math.min(this.skip, data.length);
        this.skip -= n;
        data = data.subarray(n);
        continue;
      }
      if (this.collecting) {
        const c = this.collecting;
        const n = Math.min(c.left, data.length);
        c.chunks.push(data.subarray(0, n));
        c.left -= n;
        data = data.subarray(n);
        if (c.left === 0) {
          this.collecting = undefined;
          this.skip = c.pad;
          this.finish(c.entry, Buffer.concat(c.chunks));
        }
        continue;
      }
      const need = block - this.bufferedLength;
      this.buffered.push(data.subarray(0, need));
      this.bufferedLength += Math.min(need, data.length);
      data = data.subarray(need);
      if (this.bufferedLength === block) {
        const header = Buffer.concat(this.buffered);
        this.buffered = [];
        this.bufferedLength = 0;
        this.header(header);
      }
    }
  }

  private header(b: Buffer): void {
    if (b.every((x) => x === 0)) {
      // Two zero blocks end the archive.
      if (++this.zeroBlocks >= 2) this.ended = true;
      return;
    }
    this.zeroBlocks = 0;
    if (!checksumOk(b)) throw new TarError('not a tar archive (bad header checksum)');
    const headerSize = sizeField(b);
    const typeflag = String.fromCharCode(b[156] || 0x30);
    const size = this.paxSize ?? headerSize;
    this.paxSize = undefined;
    const pad = (block - (size % block)) % block;
    if (typeflag === 'L' || typeflag === 'x') {
      if (size > maxMetaBytes)
        throw new TarError(`a ${size}-byte ${typeflag === 'L' ? 'long name' : 'pax header'}`);
      this.pendingMeta = { kind: typeflag, size };
      this.collect({ name: '', size, type: 'other' }, size, pad);
      return;
    }
    if (typeflag === 'g' || typeflag === 'K') {
      this.skip = size + pad;
      return;
    }
    const ustar = b.subarray(257, 263).toString('latin1') === 'ustar\0';
    const prefix = ustar ? cString(b, 345, 155) : '';
    const raw = this.longName ?? (prefix ? `${prefix}/${cString(b, 0, 100)}` : cString(b, 0, 100));
    this.longName = undefined;
    const type =
      typeflag === '0' || typeflag === '7'
        ? 'file'
        : typeflag === '5'
          ? 'directory'
          : typeflag === '2'
            ? 'symlink'
            : 'other';
    const entry: TarEntry = { name: normalize(raw), size: type === 'file' ? size : 0, type };
    const dataSize = typeflag === '5' || typeflag === '2' || typeflag === '1' ? 0 : size;
    if (type === 'file' && this.visitor.want(entry)) {
      if (dataSize > this.maxEntryBytes)
        throw new TarError(`${entry.name} is ${dataSize} bytes, more than ${this.maxEntryBytes}`);
      this.collect(entry, dataSize, pad);
    } else this.skip = dataSize + (dataSize ? pad : 0);
  }

  private collect(entry: TarEntry, size: number, pad: number): void {
    if (size === 0) {
      this.finish(entry, Buffer.alloc(0));
      return;
    }
    this.collecting = { entry, chunks: [], left: size, pad };
  }

  private finish(entry: TarEntry, data: Buffer): void {
    const meta = this.pendingMeta;
    if (meta && entry.name === '' && entry.type === 'other') {
      this.pendingMeta = undefined;
      if (meta.kind === 'L') {
        this.longName = cString(data, 0, data.length);
        return;
      }
      const records = paxRecords(data);
      this.longName = records.get('path') ?? this.longName;
      const size = records.get('size');
      if (size !== undefined) {
        if (!/^[0-9]{1,16}$/.test(size)) throw new TarError(`bad pax size '${size}'`);
        this.paxSize = safeSize(BigInt(size));
      }
      return;
    }
    this.visitor.data(entry, data);
  }
}
