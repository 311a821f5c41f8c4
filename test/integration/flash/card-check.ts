/**
 * What a correctly flashed card looks like: the image's partition table, both filesystems clean
 * by fsck (run on copies of the partitions: this kernel cannot read partition tables of loop
 * devices), and every file reading back byte for byte through mtools and debugfs.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import type { TestImage } from '../../helpers/test-image.js';

const exec = promisify(execFile);

async function output(file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<Buffer> {
  const { stdout } = await exec(file, args, {
    encoding: 'buffer',
    maxBuffer: 256 << 20,
    ...(env ? { env } : {}),
  });
  return stdout;
}

export async function sha256OfDevice(device: string, bytes?: number): Promise<string> {
  const fh = await open(device, 'r');
  const hash = createHash('sha256');
  const buf = Buffer.alloc(4 << 20);
  try {
    for (let pos = 0; ;) {
      const want = bytes === undefined ? buf.length : Math.min(buf.length, bytes - pos);
      if (want <= 0) break;
      const { bytesRead } = await fh.read(buf, 0, want, pos);
      if (!bytesRead) break;
      hash.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}

/** The card carries a partition table at all (a half-written card must not). */
export async function hasPartitionTable(device: string): Promise<boolean> {
  try {
    const json = JSON.parse((await output('sfdisk', ['--json', device])).toString()) as {
      partitiontable?: { partitions?: unknown[] };
    };
    return (json.partitiontable?.partitions?.length ?? 0) > 0;
  } catch {
    return false;
  }
}

async function fsck(
  device: string,
  part: { offsetBytes: number; sizeBytes: number },
  tool: string,
  args: string[],
  tmp: string,
): Promise<void> {
  const copy = join(tmp, `part-${part.offsetBytes}.bin`);
  try {
    await exec('dd', [
      `if=${device}`,
      `of=${copy}`,
      'bs=1M',
      `skip=${part.offsetBytes}`,
      `count=${part.sizeBytes}`,
      'iflag=skip_bytes,count_bytes',
      'status=none',
    ]);
    const result = await exec(tool, [...args, copy]).then(
      (r) => ({ code: 0, out: r.stdout + r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({
        code: e.code,
        out: e.stdout + e.stderr,
      }),
    );
    expect(result.code, `${tool} on ${device}@${part.offsetBytes}:\n${result.out}`).toBe(0);
  } finally {
    await rm(copy, { force: true });
  }
}

export async function expectCardHoldsImage(
  device: string,
  image: TestImage,
  tmp: string,
): Promise<void> {
  const table = JSON.parse((await output('sfdisk', ['--json', device])).toString()) as {
    partitiontable: { id: string; partitions: { start: number; size: number; type: string }[] };
  };
  expect(table.partitiontable.id).toBe('0x5eed1234');
  expect(table.partitiontable.partitions.map((p) => [p.start * 512, p.size * 512, p.type])).toEqual(
    [
      [image.boot.offsetBytes, image.boot.sizeBytes, 'c'],
      [image.root.offsetBytes, image.root.sizeBytes, '83'],
    ],
  );
  await fsck(device, image.boot, 'fsck.vfat', ['-n'], tmp);
  await fsck(device, image.root, 'e2fsck', ['-f', '-n'], tmp);

  const env = { ...process.env, MTOOLS_SKIP_CHECK: '1' };
  for (const [path, content] of Object.entries(image.bootFiles)) {
    const got = await output(
      'mtype',
      ['-i', `${device}@@${image.boot.offsetBytes}`, `::${path}`],
      env,
    );
    expect(got.equals(content), `FAT ${path} differs on ${device}`).toBe(true);
  }
  for (const [path, content] of Object.entries(image.rootFiles)) {
    const got = await output('debugfs', [
      '-R',
      `cat "${path}"`,
      `${device}?offset=${image.root.offsetBytes}`,
    ]);
    expect(got.equals(content), `ext4 ${path} differs on ${device}`).toBe(true);
  }
  const link = (
    await output('debugfs', [
      '-R',
      'stat /etc/firmware-link',
      `${device}?offset=${image.root.offsetBytes}`,
    ])
  ).toString();
  expect(link).toMatch(/Fast link dest: "\/usr\/lib\/firmware.bin"/);
}
