/**
 * createBmap against the reference implementation: the same ranges and checksums as
 * `bmaptool create`, and `bmaptool copy` accepts (and checks) our bmap.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, expect, it } from 'vitest';
import { createBmap } from '../../../src/bmap/create.js';
import { parseBmap, verifyBmapFileChecksum } from '../../../src/bmap/parse.js';
import { setLogSinks } from '../../../src/log.js';
import { testImage, type TestImage } from '../../helpers/test-image.js';
import { expectCardHoldsImage } from './card-check.js';
import { flashSuite } from './suite.js';
import { describeNeeds } from '../../helpers/needs.js';

const exec = promisify(execFile);
const sha256sum = (file: string) =>
  execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0];
const MiB = 1 << 20;
const hasBmaptool = (() => {
  try {
    execFileSync('bmaptool', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

describeNeeds(
  { root: true, unless: hasBmaptool ? undefined : 'bmaptool (bmap-tools) is not installed' },
  'createBmap and bmaptool',
  () => {
    const suite = flashSuite('armada-bmap-');
    let image: TestImage;

    beforeAll(async () => {
      image = await testImage(join(suite.dir(), 'image'));
    });

    it('maps the same blocks with the same checksums as bmaptool create', async () => {
      const ours = parseBmap(await readFile(image.bmap, 'utf8'));
      const { stdout } = await exec('bmaptool', ['create', image.img], { maxBuffer: 64 << 20 });
      const theirs = parseBmap(stdout);
      expect(ours.imageSize).toBe(theirs.imageSize);
      expect(ours.blocksCount).toBe(theirs.blocksCount);
      expect(ours.ranges).toEqual(theirs.ranges);
      expect(verifyBmapFileChecksum(await readFile(image.bmap, 'utf8'), ours)).toEqual({
        ok: true,
      });
    });

    it.each(['img', 'xz'] as const)(
      'bmaptool copy accepts our bmap for the .%s',
      async (format) => {
        const card = await suite.card(`bmaptool-${format}.bin`, 136 * MiB);
        const r = await exec('bmaptool', [
          'copy',
          '--bmap',
          image.bmap,
          image[format],
          card.device,
        ]);
        expect(r.stderr).toMatch(/copying time|synchronizing/i);
        await expectCardHoldsImage(card.device, image, suite.dir());
      },
    );

    it('bmaptool copy rejects the image when one of our range checksums is wrong (so it checks them)', async () => {
      const text = await readFile(image.bmap, 'utf8');
      const map = parseBmap(text);
      const wrong = join(suite.dir(), 'wrong.bmap');
      const { serializeBmap } = await import('../../../src/bmap/serialize.js');
      await writeFile(
        wrong,
        serializeBmap({
          ...map,
          ranges: map.ranges.map((r, i) => (i === 1 ? { ...r, checksum: '0'.repeat(64) } : r)),
        }),
      );
      const card = await suite.card('bmaptool-wrong.bin', 136 * MiB);
      await expect(
        exec('bmaptool', ['copy', '--bmap', wrong, image.img, card.device]),
      ).rejects.toMatchObject({
        stderr: expect.stringMatching(/checksum mismatch/i),
      });
    });

    it('maps preallocated (unwritten) extents, as bmaptool does', async () => {
      const dir = join(suite.dir(), 'sparse');
      await mkdir(dir);
      const file = join(dir, 'prealloc.img');
      await exec('sh', [
        '-c',
        `head -c 1048576 /dev/urandom > ${file} && fallocate -o 4M -l 2M ${file} && truncate -s 8M ${file}`,
      ]);
      const made = await createBmap(file);
      expect(parseBmap(made.xml).ranges.map((r) => [r.first, r.last])).toEqual([
        [0, 255],
        [1024, 1535],
      ]);
      // The holes are hashed as zeros without being read: still the file's own sha256.
      expect(made.imageSha256).toBe(sha256sum(file));
    });

    it("gives the whole file's sha256 for data after a hole and a size that is not whole blocks", async () => {
      const file = join(suite.dir(), 'ragged.img');
      await exec('sh', [
        '-c',
        `head -c 5000 /dev/urandom > ${file} && truncate -s 3000000 ${file} && head -c 7777 /dev/urandom >> ${file}`,
      ]);
      const made = await createBmap(file);
      expect(made.imageSha256).toBe(sha256sum(file));
      expect(parseBmap(made.xml).ranges.length).toBe(2);
      expect((await createBmap(image.img)).imageSha256).toBe(sha256sum(image.img));
    });

    it('maps every block, with a warning, where the filesystem has no FIEMAP (tmpfs)', async () => {
      const mountpoint = join(suite.dir(), 'tmpfs');
      await mkdir(mountpoint);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16M', 'tmpfs', mountpoint]);
      const warnings: string[] = [];
      setLogSinks(
        (line) => warnings.push(line),
        () => undefined,
      );
      try {
        const file = join(mountpoint, 'x.img');
        await exec('sh', ['-c', `head -c 8192 /dev/urandom > ${file} && truncate -s 1M ${file}`]);
        const map = parseBmap((await createBmap(file)).xml);
        expect(map.ranges.map((r) => [r.first, r.last])).toEqual([[0, 255]]);
        expect(warnings.join('\n')).toMatch(/cannot read the extents .*maps every block/);
      } finally {
        setLogSinks(
          (line) => process.stderr.write(line + '\n'),
          (text) => process.stdout.write(text),
        );
        execFileSync('umount', ['-l', mountpoint]);
      }
    });
  },
);
