/**
 * Kernel files inside a .deb without dpkg: the ar archive's data.tar.{xz,zst,gz} is streamed
 * through its decompressor and a tar reader that keeps only kernel configs, configs.ko and
 * kernel images, and stops once the config is in hand (boot/ comes before the modules).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { UserError } from '../errors.js';
import { spawnStreaming, type Streaming } from '../exec.js';
import { classifyKernelPath, type Classified } from './candidates.js';
import { kernelDecompressCommand } from './decompress.js';
import { TarError, TarReader } from './tar.js';

export interface ArMember {
  name: string;
  /** Offset of the member's data in the archive. */
  offset: number;
  size: number;
}

const arMagic = '!<arch>\n';

/** One 60-byte ar member header at `offset` (name 16, mtime 12, uid 6, gid 6, mode 8, size 10, "`\n"). */
export function parseArHeader(header: Buffer, offset: number): ArMember | undefined {
  if (header.length < 60 || header.subarray(58, 60).toString('latin1') !== '`\n') return undefined;
  const name = header.subarray(0, 16).toString('latin1').trim().replace(/\/$/, '');
  const size = Number(header.subarray(48, 58).toString('latin1').trim());
  if (!Number.isSafeInteger(size) || size < 0) return undefined;
  return { name, offset: offset + 60, size };
}

async function listArMembers(path: string): Promise<ArMember[]> {
  const fh = await open(path, 'r');
  try {
    const { size: fileSize } = await fh.stat();
    const members: ArMember[] = [];
    const header = Buffer.alloc(60);
    for (let offset = arMagic.length; offset + 60 <= fileSize;) {
      await fh.read(header, 0, 60, offset);
      const member = parseArHeader(header, offset);
      if (!member)
        throw new UserError(
          `${path}: damaged .deb (bad ar header at byte ${offset}); download it again`,
        );
      if (member.offset + member.size > fileSize) {
        throw new UserError(
          `${path}: truncated .deb (${member.name} is cut short); download it again`,
        );
      }
      members.push(member);
      offset = member.offset + member.size + (member.size % 2);
    }
    return members;
  } finally {
    await fh.close();
  }
}

export interface DebFile extends Classified {
  name: string;
  data: Buffer;
}

function openData(path: string, member: ArMember): { stream: Readable; child?: Streaming } {
  const input = createReadStream(path, {
    start: member.offset,
    end: member.offset + member.size - 1,
  });
  const suffix = member.name.slice('data.tar'.length);
  if (suffix === '') return { stream: input };
  if (suffix === '.gz') return { stream: input.pipe(createGunzip()) };
  if (suffix !== '.xz' && suffix !== '.zst') {
    throw new UserError(
      `${path}: ${member.name} is compressed in a way armada cannot read; extract boot/config-* with dpkg-deb -x and check that`,
    );
  }
  const child = spawnStreaming(kernelDecompressCommand(suffix === '.xz' ? 'xz' : 'zstd'));
  // Stopping early closes the decompressor's stdin under our feet; that is expected.
  child.stdin.on('error', () => undefined);
  input.on('error', () => undefined);
  input.pipe(child.stdin);
  return { stream: child.stdout, child };
}

/** The kernel configs, configs.ko and kernel images in a .deb's data (see classifyKernelPath). */
export async function readDebKernelFiles(path: string): Promise<DebFile[]> {
  const members = await listArMembers(path);
  if (members[0]?.name !== 'debian-binary')
    throw new UserError(`${path}: an ar archive but not a .deb (no debian-binary member)`);
  const member = members.find((m) => /^data\.tar(\.[a-z0-9]+)?$/.test(m.name));
  if (!member) throw new UserError(`${path}: damaged .deb (no data.tar member); download it again`);

  const files: DebFile[] = [];
  const configVersions = new Set<string>();
  let done = false;
  const reader = new TarReader({
    want(entry) {
      // boot/ is archived before lib/: once a config is in hand and boot/ is over, stop.
      if (configVersions.size && !entry.name.startsWith('boot/')) done = true;
      const c = classifyKernelPath(entry.name);
      if (!c || done) return false;
      // A 30 MB image is not worth keeping when its config file was already read.
      return !(c.type !== 'config' && c.version && configVersions.has(c.version));
    },
    data(entry, data) {
      const c = classifyKernelPath(entry.name)!;
      if (c.type === 'config' && c.version) configVersions.add(c.version);
      files.push({ ...c, name: entry.name, data });
    },
  });

  const { stream, child } = openData(path, member);
  let exitCode: number | undefined;
  try {
    for await (const chunk of stream) {
      reader.push(chunk as Buffer);
      if (done || reader.ended) break;
    }
  } catch (error) {
    if (error instanceof TarError)
      throw new UserError(`${path}: damaged .deb (${error.message}); download it again`);
    const code = (error as { code?: string }).code;
    if (code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR') {
      throw new UserError(`${path}: damaged .deb (data.tar.gz is corrupt); download it again`);
    }
    throw error;
  } finally {
    stream.destroy();
    if (child) {
      if (done || reader.ended) child.kill();
      exitCode = (await child).exitCode;
    }
  }
  if (!done && !reader.ended) {
    const why = child && exitCode !== 0 ? 'does not decompress' : 'ends early';
    throw new UserError(
      `${path}: damaged or truncated .deb (${member.name} ${why}); download it again`,
    );
  }
  return files;
}
