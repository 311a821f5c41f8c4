/**
 * fatGeometry + mshowfat find a file's bytes where mtools put them, on FAT16 and FAT32 volumes
 * at an offset inside an image (as a card's partition 1 is), and wipeFatFiles zeroes exactly them;
 * a re-seed leaves no byte of the old seed's files, hidden ones included.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { fatGeometry, parseShowFat, wipeFatFiles } from '../../../src/image/fat-wipe.js';
import { listFat, readFat, writeFat } from '../../../src/image/fat.js';
import type { PreparedSeed } from '../../../src/seed/types.js';
import { writeSeed } from '../../../src/seed/write.js';
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

describe('a re-seed', () => {
  const mtools = (img: string, offset: number, tool: string, ...args: string[]) =>
    execFileSync(tool, ['-i', `${img}@@${offset}`, ...args], {
      env: { ...process.env, MTOOLS_SKIP_CHECK: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  test('overwrites hidden and system files (and a hidden folder’s) and an interrupted run’s armada.old/ before deleting them', async () => {
    const img = join(dir, 'reseed.img');
    const offset = 4 * 1024 * 1024;
    execFileSync('truncate', ['-s', '48M', img]);
    execFileSync('sfdisk', ['-q', img], { input: `start=8192, type=c\n` });
    execFileSync('mkfs.vfat', ['-F', '32', '--offset', '8192', img, String(44 * 1024)], {
      stdio: 'ignore',
    });
    const seed = (hostname: string): PreparedSeed => ({
      index: 1,
      tlsMode: 'device',
      warnings: [],
      files: [{ path: 'armada/seed.env', content: `HOSTNAME='${hostname}'\n`, secret: false }],
    });
    await writeSeed(img, seed('one'));
    const v = { path: img, offsetBytes: offset };
    // What another tool, a hand or an older armada left: hidden and system files in armada/, a
    // hidden folder, and the armada.old/ of a configure that stopped after its renames.
    const secrets = {
      '/armada/hidden.key': 'HIDDEN-SECRET-',
      '/armada/sys.psk': 'SYSTEM-SECRET-',
      '/armada/dot/inner.pem': 'INNER-SECRET-',
      '/armada.old/tls/server-key.pem': 'OLD-SEED-SECRET-',
      '/armada.old/.hidden': 'OLD-HIDDEN-SECRET-',
    };
    for (const [path, text] of Object.entries(secrets)) await writeFat(v, path, text.repeat(300));
    mtools(img, offset, 'mattrib', '+h', '::/armada/hidden.key');
    mtools(img, offset, 'mattrib', '+s', '+h', '::/armada/sys.psk');
    mtools(img, offset, 'mattrib', '+h', '::/armada/dot');
    mtools(img, offset, 'mattrib', '+h', '::/armada.old/.hidden');
    expect(await listFat(v, '/armada')).toEqual(
      expect.arrayContaining(['/armada/hidden.key', '/armada/sys.psk', '/armada/dot/inner.pem']),
    );
    for (const text of Object.values(secrets)) expect(readFileSync(img).includes(text)).toBe(true);

    await writeSeed(img, seed('two'));
    expect((await listFat(v, '/armada')).sort()).toEqual(['/armada/seed.env']);
    expect(await listFat(v, '/armada.old')).toEqual([]);
    const bytes = readFileSync(img);
    for (const text of Object.values(secrets)) expect(bytes.includes(text), text).toBe(false);
    expect(bytes.includes("HOSTNAME='one'")).toBe(false);
  });
});
