/**
 * Checks that safety depends on must fail loudly, or warn that they became weaker, instead of
 * turning an error into "absent", "not mounted" or "not an armada image".
 */
import { execFileSync } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MissingToolError, UserError } from '../../src/errors.js';
import { CommandFailedError } from '../../src/exec.js';
import { deleteFat, listFat, readFat } from '../../src/image/fat.js';
import { hasFirstBootUnit, refuseMounted } from '../../src/commands/configure.js';
import { dropCache } from '../../src/seed/write.js';
import { safeRemoveTree } from '../../src/safe-remove.js';
import { stripIdentity } from '../../src/build/steps/strip-identity.js';
import { runSteps } from '../../src/progress.js';
import { setLogSinks } from '../../src/log.js';
import { attachLoop, fillRandom } from '../helpers/loop.js';
import { suiteTempDir } from '../helpers/tmp.js';
import { describeNeeds } from '../helpers/needs.js';

const dir = await suiteTempDir('armada-swallowed-');
const originalPath = process.env.PATH;
afterEach(() => {
  process.env.PATH = originalPath;
  setLogSinks(
    (line) => process.stderr.write(line + '\n'),
    (text) => process.stdout.write(text),
  );
});

/** A loop device over random bytes for the duration of fn (makeCard's afterAll would be ignored
 * inside a test). */
async function withCard(name: string, fn: (device: string) => Promise<void>): Promise<void> {
  const file = join(dir, name);
  await fillRandom(file, 8 << 20);
  const device = attachLoop(file);
  try {
    await fn(device);
  } finally {
    // PATH may be the test's reduced one here.
    execFileSync('losetup', ['-d', device], { env: { ...process.env, PATH: originalPath } });
  }
}

/** PATH with only these tools: as if the others were not installed. */
async function pathWith(tools: string[]): Promise<string> {
  const bin = join(dir, `bin-${tools.join('-') || 'none'}`);
  await mkdir(bin, { recursive: true });
  for (const t of tools) {
    const target = execFileSync('sh', ['-c', 'command -v "$1"', 'sh', t], {
      encoding: 'utf8',
    }).trim();
    if (!existsSync(join(bin, t))) symlinkSync(target, join(bin, t));
  }
  return bin;
}

/** A 64 MiB image: p1 FAT32 (formatted when asked), p2 Linux (never formatted). */
function image(name: string, fat: boolean): string {
  const path = join(dir, name);
  execFileSync('truncate', ['-s', '64M', path]);
  execFileSync('sfdisk', ['--quiet', path], {
    input: 'label: dos\nstart=2048, size=65536, type=c\nstart=67584, type=83\n',
  });
  if (fat) execFileSync('mkfs.vfat', ['-F', '32', '--offset=2048', path, String(65536 / 2)]);
  return path;
}

describe('FAT access tells "not there" from "cannot read"', () => {
  it('a missing path is absent; a volume that is not FAT is an error', async () => {
    const good = { path: image('fat.img', true), offsetBytes: 2048 * 512 };
    expect(await listFat(good, '/armada')).toEqual([]);
    expect(await readFat(good, '/armada/seed.env')).toBeUndefined();
    await deleteFat(good, '/armada/seed.env');

    const notFat = { path: image('not-fat.img', false), offsetBytes: 2048 * 512 };
    await expect(listFat(notFat, '/armada')).rejects.toThrow(CommandFailedError);
    await expect(readFat(notFat, '/armada/seed.env')).rejects.toThrow(/non DOS media|initialize/);
    await expect(deleteFat(notFat, '/armada/seed.env')).rejects.toThrow(CommandFailedError);
  });
});

describe('configure: "is this an armada image?"', () => {
  it('no root partition means no; a missing debugfs is an error naming the fix', async () => {
    const img = image('armada-check.img', true);
    expect(await hasFirstBootUnit(img)).toBe(false); // p2 is not ext4: not an armada image
    process.env.PATH = await pathWith(['sfdisk']);
    await expect(hasFirstBootUnit(img)).rejects.toThrow(MissingToolError);
    await expect(hasFirstBootUnit(img)).rejects.toThrow(/debugfs.*apt-get install e2fsprogs/);
  });
});

describe('safe removal of a build tree', () => {
  it('refuses to delete when the mount table cannot be read', async () => {
    const tree = join(dir, 'tree');
    await mkdir(join(tree, 'proc'), { recursive: true });
    await expect(safeRemoveTree(tree, join(dir, 'no-such-mounts'))).rejects.toThrow(/ENOENT/);
    expect(existsSync(join(tree, 'proc'))).toBe(true);
    await safeRemoveTree(tree);
    expect(existsSync(tree)).toBe(false);
  });
});

describe('strip-identity', () => {
  const strip = (rootfsDir: string) => runSteps([stripIdentity()], { timings: {}, rootfsDir });

  it('absent paths are already stripped', async () => {
    const root = join(dir, 'empty-root');
    await mkdir(root);
    await strip(root);
  });

  it('fails when a path cannot be stripped instead of shipping it', async () => {
    const root = join(dir, 'odd-root');
    await mkdir(join(root, 'etc/machine-id'), { recursive: true }); // a directory: cannot truncate
    await expect(strip(root)).rejects.toThrow(/EISDIR/);

    const root2 = join(dir, 'odd-root-2');
    await mkdir(join(root2, 'etc/ssh'), { recursive: true });
    await writeFile(join(root2, 'etc/ssh/ssh_host_ed25519_key'), 'secret');
    await mkdir(join(root2, 'var'), { recursive: true });
    await writeFile(join(root2, 'var/log'), 'a file where a directory should be');
    await expect(strip(root2)).rejects.toThrow(/ENOTDIR/);
    // What could be stripped before the failure was.
    expect(existsSync(join(root2, 'etc/ssh/ssh_host_ed25519_key'))).toBe(false);
  });
});

describeNeeds({ root: true }, 'on a card (root: loop devices)', () => {
  it('configure refuses to guess "not mounted" when the mount table is unreadable', async () => {
    await withCard('card-mounts.img', async (device) => {
      await expect(refuseMounted(device, join(dir, 'no-such-mounts'))).rejects.toThrow(UserError);
      await expect(refuseMounted(device, join(dir, 'no-such-mounts'))).rejects.toThrow(
        /cannot read .*no-such-mounts.* not mounted/,
      );
      await refuseMounted(device);
    });
  });

  it("warns when the seed's read-back cannot bypass the page cache", async () => {
    const warnings: string[] = [];
    setLogSinks(
      (line) => warnings.push(line),
      () => undefined,
    );
    await withCard('card-cache.img', async (device) => {
      await dropCache(device);
      expect(warnings).toEqual([]);
      process.env.PATH = await pathWith([]);
      await dropCache(device);
    });
    expect(warnings).toEqual([
      expect.stringMatching(
        /^WARNING: blockdev is missing \(install util-linux\): the seed's read-back on .* may check the kernel's cache instead of the card$/,
      ),
    ]);
  });
});
