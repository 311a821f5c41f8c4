/**
 * Kernel packages built here with dpkg-deb (every data.tar compression, configs.ko only), and
 * damaged or wrong input: each gets a one-line UserError naming the fix.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { readKernelConfig } from '../../../src/kernel/read.js';
import { debianKernelDeb, fakeConfigsKo, withVersion } from '../../helpers/kernel-packages.js';
import { suiteTempDir } from '../../helpers/tmp.js';
import { shell, xz } from '../../helpers/tools.js';

// Made at collection time so suiteTempDir's afterAll registers and removes it.
const tmpRoot = await suiteTempDir('armada-kernel-pkgs-');

const sh = shell;

async function userError(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(UserError);
  const message = (e as Error).message;
  expect(message).not.toContain('\n');
  return message;
}

describe('other .deb shapes and damaged packages', () => {
  let dir: string;
  let text: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpRoot, 'debs'));
    text = readFileSync(
      new URL('../../fixtures/kernel/config-6.1-arm64-trimmed', import.meta.url),
      'utf8',
    );
  });

  function buildDeb(
    name: string,
    files: Record<string, string | Buffer>,
    compression: string,
  ): string {
    const tree = join(dir, `${name}-tree`);
    mkdirSync(join(tree, 'DEBIAN'), { recursive: true });
    writeFileSync(
      join(tree, 'DEBIAN/control'),
      `Package: ${name}\nVersion: 1\nArchitecture: all\nMaintainer: t <t@t>\nDescription: t\n`,
    );
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(tree, path, '..'), { recursive: true });
      writeFileSync(join(tree, path), content);
    }
    const out = join(dir, `${name}.deb`);
    sh(`dpkg-deb --root-owner-group -Z${compression} -b '${tree}' '${out}' >/dev/null`);
    return out;
  }

  it.each(['gzip', 'zstd', 'none'])('reads data.tar compressed with %s', async (compression) => {
    const deb = buildDeb(
      `k-${compression}`,
      {
        'boot/config-6.1.0-9-arm64': withVersion(text, '6.1.38'),
        'boot/config-6.1.0-50-arm64': text,
        'lib/modules/6.1.0-50-arm64/kernel/kernel/configs.ko': fakeConfigsKo(text),
      },
      compression,
    );
    const src = await readKernelConfig(deb);
    expect(src).toMatchObject({
      kind: 'deb',
      file: 'boot/config-6.1.0-50-arm64',
      version: '6.1.176',
      others: ['boot/config-6.1.0-9-arm64'],
    });
  });

  it('reads a package that only has configs.ko (Raspberry Pi OS style)', async () => {
    const deb = buildDeb(
      'rpi',
      {
        'lib/modules/6.6.51+rpt-rpi-v8/kernel/kernel/configs.ko.xz': xz(
          fakeConfigsKo(withVersion(text, '6.6.51')),
        ),
      },
      'xz',
    );
    expect(await readKernelConfig(deb)).toMatchObject({ fileKind: 'module', version: '6.6.51' });
  });

  it('refuses a package without a kernel, and damaged packages, in one line', async () => {
    const none = buildDeb('nokernel', { 'usr/share/doc/nokernel/README': 'hi\n' }, 'xz');
    expect(await userError(readKernelConfig(none))).toMatch(/this package holds no kernel/);

    const real = debianKernelDeb('arm64');
    const truncated = join(dir, 'truncated.deb');
    writeFileSync(truncated, readFileSync(real).subarray(0, 5 << 20));
    expect(await userError(readKernelConfig(truncated))).toMatch(
      /truncated \.deb \(data\.tar\.xz is cut short\)/,
    );

    const corrupt = join(dir, 'corrupt.deb');
    copyFileSync(none, corrupt);
    const bytes = readFileSync(corrupt);
    const data = bytes.indexOf('data.tar.xz');
    bytes.fill(0x55, data + 60 + 40, bytes.length - 10);
    writeFileSync(corrupt, bytes);
    expect(await userError(readKernelConfig(corrupt))).toMatch(/damaged or truncated \.deb/);
  });
});

describe('bad input', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpRoot, 'bad'));
  });

  it.each([
    [
      'a missing path',
      () => join(dir, 'nope'),
      /nope: no such file or directory; give a kernel config/,
    ],
    [
      'an empty file',
      () => {
        const f = join(dir, 'empty');
        writeFileSync(f, '');
        return f;
      },
      /empty is empty; give a kernel config/,
    ],
    [
      'a directory without a kernel',
      () => {
        const d = join(dir, 'emptydir');
        mkdirSync(d, { recursive: true });
        return d;
      },
      /emptydir: no kernel found/,
    ],
    [
      'a text file',
      () => {
        const f = join(dir, 'notes.txt');
        writeFileSync(f, 'hello\n');
        return f;
      },
      /notes.txt: not a kernel config/,
    ],
    [
      'a truncated config.gz',
      () => {
        const f = join(dir, 'config.gz');
        writeFileSync(
          f,
          gzipSync(
            readFileSync(
              new URL('../../fixtures/kernel/config-6.1-arm64-trimmed', import.meta.url),
            ),
          ).subarray(0, 200),
        );
        return f;
      },
      /config.gz: gzip data is truncated/,
    ],
    [
      'a truncated config.xz',
      () => {
        const f = join(dir, 'config.xz');
        writeFileSync(f, xz(Buffer.from('CONFIG_A=y\n'.repeat(2000))).subarray(0, 100));
        return f;
      },
      /config.xz: xz data is truncated/,
    ],
    [
      'an ar archive that is not a .deb',
      () => {
        const f = join(dir, 'lib.a');
        writeFileSync(f, '!<arch>\n');
        return f;
      },
      /not a \.deb/,
    ],
    [
      'an xz-compressed disk image (a release .img.xz)',
      () => {
        const f = join(dir, 'card.img.xz');
        const img = Buffer.alloc(4 << 20);
        img[510] = 0x55;
        img[511] = 0xaa;
        writeFileSync(f, xz(img));
        return f;
      },
      /card\.img\.xz: a compressed disk image \(xz\); decompress it first \(xz -dk\)/,
    ],
    [
      'zstd data far larger than any kernel',
      () => {
        const f = join(dir, 'huge.zst');
        writeFileSync(f, sh('head -c 300000000 /dev/zero | zstd -c -q'));
        return f;
      },
      /huge\.zst: zstd data decompresses to more than 256 MiB; that is no kernel config/,
    ],
  ])('%s', async (_what, make, message) => {
    expect(await userError(readKernelConfig(make()))).toMatch(message);
  });
});
