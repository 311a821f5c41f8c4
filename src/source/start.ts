/**
 * Open the image for reading: a local .img is read by position (only the mapped ranges), anything
 * else becomes one stream of image bytes — decompressed by a child process where that is faster
 * (xz -T0, zstd, pigz), else in-process (zlib, unzipper). Never through a temp file.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { Entry } from 'unzipper';
import { UserError } from '../errors.js';
import { spawnStreaming, which, type Command } from '../exec.js';
import { decompressCommand } from './detect.js';
import { httpStream } from './http.js';
import type { ProbedSource } from './probe.js';
import { openZip, zipParser } from './zip.js';

export type ImageInput =
  | { kind: 'file'; path: string; size: number }
  | {
      kind: 'stream';
      stream: Readable;
      /** Settles when the producer is done: rejects when the decompressor or download failed. */
      done: Promise<void>;
    };

export interface StartedSource {
  input: ImageInput;
  /** Stop reading: kill decompressors, abort downloads. Safe to call more than once. */
  close(): Promise<void>;
}

const corrupt = (display: string, why: string) =>
  new UserError(
    `cannot decompress ${display}: ${why}; the file is truncated or corrupt, download it again`,
  );

/** Run a decompressor over a file (or stdin fed from `feed`); its stdout is the image. */
function decompressor(
  cmd: Command,
  display: string,
  feed?: Readable,
): { stream: Readable; done: Promise<void>; kill: () => void } {
  const child = spawnStreaming(cmd);
  // execa (buffer: false) resumes an untouched stdout on the next tick and the decompressor's
  // first bytes would flow to nobody; paused, it waits for our reader.
  child.stdout.pause();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  let killed = false;
  const fed = feed
    ? pipeline(feed, child.stdin).catch(() => undefined)
    : (child.stdin.end(), Promise.resolve());
  const done = (async () => {
    const result = await child;
    await fed;
    if (killed) return;
    if (result.exitCode !== 0) {
      const why =
        stderr
          .trim()
          .split('\n')
          .pop()
          ?.replace(/^\S+: /, '') || `${cmd[0]} exited with ${result.exitCode ?? result.signal}`;
      throw corrupt(display, why);
    }
  })();
  done.catch(() => undefined);
  return {
    stream: child.stdout,
    done,
    kill: () => {
      killed = true;
      feed?.destroy();
      child.kill('SIGKILL');
    },
  };
}

function streamDone(stream: Readable, display: string): Promise<void> {
  const done = finished(stream).catch((error: Error) => {
    throw corrupt(display, error.message);
  });
  done.catch(() => undefined);
  return done;
}

/** The first .img entry of a zip arriving as a stream (an http download). */
async function firstImageEntry(body: Readable, display: string): Promise<Entry> {
  const zip = await zipParser();
  return new Promise((resolve, reject) => {
    const parser = body.pipe(zip);
    let found: Entry | undefined;
    // pipe() does not forward errors: a failed or aborted download ends the entry being read.
    body.on('error', (error: Error) => {
      found?.destroy(corrupt(display, error.message));
      parser.destroy();
      reject(corrupt(display, error.message));
    });
    parser.on('entry', (entry: Entry) => {
      if (!found && entry.type === 'File' && /\.img$/i.test(entry.path)) {
        found = entry;
        resolve(entry);
      } else entry.autodrain();
    });
    parser.on('error', (error: Error) => reject(corrupt(display, error.message)));
    parser.on('close', () => {
      if (!found) reject(new UserError(`${display} holds no .img file`));
    });
  });
}

export async function startSource(probe: ProbedSource): Promise<StartedSource> {
  const pigz = probe.format === 'gzip' && Boolean(await which('pigz'));
  const stopFns: (() => void)[] = [];
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const stop of stopFns) stop();
    await Promise.resolve();
  };
  const stream = (s: Readable, done: Promise<void>): StartedSource => {
    stopFns.push(() => s.destroy());
    return { input: { kind: 'stream', stream: s, done }, close };
  };

  if (probe.localPath) {
    const path = probe.localPath;
    if (probe.format === 'raw')
      return { input: { kind: 'file', path, size: probe.imageSize ?? 0 }, close };
    if (probe.format === 'zip') {
      const directory = await openZip(path);
      const entry = directory.files.find((f) => f.path === probe.zipEntry);
      if (!entry)
        throw new UserError(`${probe.display} changed while armada was reading it; try again`);
      const s = entry.stream();
      return stream(s, streamDone(s, probe.display));
    }
    const cmd = decompressCommand(probe.format, { pigz }, path);
    if (cmd) {
      const d = decompressor(cmd, probe.display);
      stopFns.push(d.kill);
      return stream(d.stream, d.done);
    }
    const gunzip = createGunzip({ chunkSize: 1 << 20 });
    const file = createReadStream(path, { highWaterMark: 4 << 20 });
    stopFns.push(() => file.destroy());
    void pipeline(file, gunzip).catch(() => undefined);
    return stream(gunzip, streamDone(gunzip, probe.display));
  }

  const body = await httpStream(probe.url ?? probe.input);
  stopFns.push(() => body.abort());
  const download = body.stream;
  const started = (() => {
    if (probe.format === 'raw') return stream(download, streamDone(download, probe.display));
    if (probe.format === 'zip')
      return firstImageEntry(download, probe.display).then((entry) =>
        stream(entry, streamDone(entry, probe.display)),
      );
    const cmd = decompressCommand(probe.format, { pigz });
    if (cmd) {
      const d = decompressor(cmd, probe.display, download);
      stopFns.push(d.kill);
      return stream(d.stream, d.done);
    }
    const gunzip = createGunzip({ chunkSize: 1 << 20 });
    void pipeline(download, gunzip).catch(() => undefined);
    return stream(gunzip, streamDone(gunzip, probe.display));
  })();
  return started;
}
