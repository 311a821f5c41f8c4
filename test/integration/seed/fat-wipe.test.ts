/**
 * fatGeometry + mshowfat find a file's bytes where mtools put them, on FAT16 and FAT32 volumes
 * at an offset inside an image (as a card's partition 1 is), and wipeFatFiles zeroes exactly them.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { fatGeometry, parseShowFat, wipeFatFiles } from '../../../src/image/fat-wipe.js';
import { readFat, writeFat } from '../../../src/image/fat.js';
import { suiteTempDir } from '../../helpers/tmp.js';

const dir = await suiteTempDir('armada-fat-wipe-');

test('parseShowFat reads single clusters and ranges, in order', () => {
  expect(parseShowFat('::/armada/a.bin <4-6> <9> <12-13>\n')).toEqual([4, 5, 6, 9, 12, 13]);
  expect(parseShowFat('::/armada/e.txt Root directory or empty file\n')).toEqual([]);
});

describe.each([
  ['FAT16', ['-F', '16', '-s', '4'], 64],
  ['FAT32', ['-F', '32', '-s', '1'], 80],
])('%s', (name, mkfs, mib) => {
  test('the clusters mshowfat names hold the file; wiping zeroes them and nothing else', async () => {
    const img = join(dir, `${name}.img`);
    const offset = 4 * 1024 * 1024;
    execFileSync('truncate', ['-s', `${mib}M`, img]);
    execFileSync(
      'mkfs.vfat',
      [...mkfs, '--offset', String(offset / 512), img, String(mib * 1024 - 4096)],
      { stdio: 'ignore' },
    );
    const v = { path: img, offsetBytes: offset };
    const secret = Buffer.from('SECRET-'.repeat(3000)); // several clusters
    await writeFat(v, '/armada/tls/key.pem', secret);
    await writeFat(v, '/armada/keep.txt', 'KEEP-ME');
    const g = fatGeometry(readFileSync(img).subarray(offset, offset + 512));
    const before = readFileSync(img);
    const at = before.indexOf(secret.subarray(0, 64));
    expect(at - offset - g.dataOffset).toBeGreaterThanOrEqual(0);
    expect((at - offset - g.dataOffset) % (g.bytesPerSector * g.sectorsPerCluster)).toBe(0);

    const wiped = await wipeFatFiles(v, ['/armada/tls/key.pem']);
    expect(wiped).toBeGreaterThanOrEqual(secret.length);
    const after = readFileSync(img);
    expect(after.includes('SECRET-')).toBe(false);
    expect((await readFat(v, '/armada/keep.txt'))!.toString()).toBe('KEEP-ME');
  });
});
