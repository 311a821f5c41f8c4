import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { classifyKernelPath, type Candidate } from '../../../src/kernel/candidates.js';
import { extractConfig } from '../../../src/kernel/extract.js';
import { pickNewest } from '../../../src/kernel/pick.js';
import {
  fakeArm64Image,
  fakeConfigsKo,
  withVersion,
  zbootImage,
} from '../../helpers/kernel-packages.js';

const config = readFileSync(
  new URL('../../fixtures/kernel/config-6.1-arm64-trimmed', import.meta.url),
  'utf8',
);

async function userError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error('expected a UserError');
}

describe('extractConfig (gzip cases; xz and zstd run in the integration tests)', () => {
  it.each([
    ['a plain config', Buffer.from(config), 'config'],
    ['/proc/config.gz', gzipSync(config), 'config.gz'],
    ['a configs.ko', fakeConfigsKo(config), 'module'],
    ['a raw arm64 Image with IKCONFIG', fakeArm64Image(config), 'kernel-image'],
    [
      'a gzip-compressed Image (Debian vmlinuz style)',
      gzipSync(fakeArm64Image(config)),
      'kernel-image',
    ],
    ['an EFI zboot image (gzip)', zbootImage(gzipSync(fakeArm64Image(config))), 'kernel-image'],
  ])('%s', async (_what, bytes, kind) => {
    const got = await extractConfig(bytes, 'f');
    expect(got.kind).toBe(kind);
    expect(got.text).toBe(config);
  });

  it.each([
    ['empty', Buffer.alloc(0), /^x is empty; give a kernel config/],
    [
      'truncated gzip',
      gzipSync(config).subarray(0, 500),
      /^x: gzip data is truncated; copy or download the file again$/,
    ],
    [
      'not a kernel',
      Buffer.from('root:x:0:0:root:/root:/bin/bash\n'),
      /^x: not a kernel config, kernel package/,
    ],
    ['gzip of something else', gzipSync('hello\n'), /^x: not a kernel config/],
    [
      'image without IKCONFIG',
      fakeArm64Image(undefined),
      /^x: no kernel config inside this kernel image \(built without CONFIG_IKCONFIG\)/,
    ],
    [
      'module without IKCONFIG',
      Buffer.concat([Buffer.from('\x7fELF', 'latin1'), Buffer.from('vermagic=6.1')]),
      /^x: this kernel module holds no kernel config/,
    ],
    [
      'zboot with lz4',
      zbootImage(Buffer.alloc(100), 'lz4'),
      /compressed with lz4, which armada cannot read/,
    ],
    ['bzip2', Buffer.from('BZh91AY&SY'), /^x: bzip2 data is not supported/],
  ])('%s → one-line UserError', async (_what, bytes, message) => {
    const text = await userError(extractConfig(bytes, 'x'));
    expect(text).toMatch(message);
    expect(text).not.toContain('\n');
  });
});

describe('pickNewest', () => {
  const cand = (label: string, bytes: Buffer | undefined): Candidate => ({
    ...classifyKernelPath(label)!,
    label,
    load: () =>
      bytes ? Promise.resolve(bytes) : Promise.reject(new UserError(`${label}: unreadable`)),
  });

  it('checks the newest named kernel and lists the others', async () => {
    const picked = await pickNewest(
      [
        cand('boot/config-6.1.0-9-arm64', Buffer.from(withVersion(config, '6.1.38'))),
        cand('boot/config-6.1.0-50-arm64', Buffer.from(config)),
      ],
      'root',
    );
    expect(picked.candidate.label).toBe('boot/config-6.1.0-50-arm64');
    expect(picked.config.version).toBe('6.1.176');
    expect(picked.others).toEqual(['boot/config-6.1.0-9-arm64']);
    expect(picked.warnings).toEqual([]);
  });

  it('reads unnamed kernels (kernel8.img) to learn their version', async () => {
    const picked = await pickNewest(
      [
        cand('p2:/boot/config-6.1.0-50-arm64', Buffer.from(config)),
        cand('p1:/kernel8.img', fakeArm64Image(withVersion(config, '6.6.51'))),
      ],
      'disk.img',
    );
    expect(picked.candidate.label).toBe('p1:/kernel8.img');
    expect(picked.extracted.kind).toBe('kernel-image');
  });

  it('falls back to an older kernel when the newest has no readable config, and says so', async () => {
    const picked = await pickNewest(
      [
        cand('boot/vmlinuz-6.1.0-50-arm64', fakeArm64Image(undefined)),
        cand('boot/config-6.1.0-9-arm64', Buffer.from(config)),
      ],
      'root',
    );
    expect(picked.candidate.label).toBe('boot/config-6.1.0-9-arm64');
    expect(picked.warnings).toEqual([
      expect.stringMatching(
        /^boot\/vmlinuz-6.1.0-50-arm64: no kernel config inside this kernel image/,
      ),
    ]);
  });

  it('fails with what it tried when nothing reads', async () => {
    const error = await pickNewest(
      [cand('/kernel8.img', fakeArm64Image(undefined))],
      'card.img',
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(
      'card.img: found 1 kernel file(s) but no readable kernel config; give the config file (boot/config-<version>) instead',
    );
    expect((error as UserError).details).toEqual([
      expect.stringMatching(/^\/kernel8.img: no kernel config inside/),
    ]);
    await expect(pickNewest([], 'dir')).rejects.toThrow(/^dir: no kernel found/);
  });
});
