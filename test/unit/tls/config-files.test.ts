import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { unwritableConfigDir } from '../../../src/config-dir.js';
import { classify } from '../../../src/errors.js';
import { isNoSpace, noSpaceIn } from '../../../src/fs-errors.js';
import { createFileExclusive, writeFileAtomic } from '../../../src/tls/config-files.js';
import { suiteTempDir } from '../../helpers/tmp.js';

const dir = await suiteTempDir('armada-config-files-');
const errno = (code: string, path?: string) =>
  Object.assign(new Error(`${code}: failed`), { code, ...(path ? { path } : {}) });

describe('no space in the config dir', () => {
  test('isNoSpace: ENOSPC and EDQUOT only', () => {
    expect([errno('ENOSPC'), errno('EDQUOT'), errno('EIO'), undefined, 'x'].map(isNoSpace)).toEqual(
      [true, true, false, false, false],
    );
  });

  test('noSpaceIn names the directory and the fixes', () => {
    expect(noSpaceIn('the cache', '/c', errno('EIO'))).toBeUndefined();
    expect(noSpaceIn('the cache', '/c', errno('ENOSPC', '/c/x.tmp'))?.message).toBe(
      "no space left for the cache /c (ENOSPC writing /c/x.tmp); free some space on the file system holding it (df -h '/c')",
    );
    expect(noSpaceIn('the cache', '/c', errno('EDQUOT'), 'use another')?.message).toBe(
      "no space left for the cache /c (EDQUOT); free some space on the file system holding it (df -h '/c'), raise your quota or use another",
    );
  });

  test("the config dir's writers blame the config dir, not the card the generic hint speaks of", async () => {
    const e = await unwritableConfigDir('/home/ann/.config/armada/ca', errno('ENOSPC'));
    expect(e?.message).toMatch(
      /^no space left for armada's config dir \/home\/ann\/\.config\/armada\/ca \(ENOSPC\); .*or set ARMADA_CONFIG_DIR/,
    );
    expect(classify(errno('ENOSPC')).message).toMatch(/device being written/);
  });
});

describe('writing config files', () => {
  test('writeFileAtomic: the content and mode; a failure leaves no temp file', async () => {
    const d = join(dir, 'atomic');
    await writeFileAtomic(join(d, 'a.json'), '{}\n', 0o600);
    expect(await readFile(join(d, 'a.json'), 'utf8')).toBe('{}\n');
    await mkdir(join(d, 'taken'));
    // A directory where the file must go: rename fails (EISDIR).
    await expect(writeFileAtomic(join(d, 'taken'), 'x', 0o600)).rejects.toMatchObject({
      code: 'EISDIR',
    });
    expect((await readdir(d)).sort()).toEqual(['a.json', 'taken']);
  });

  test('createFileExclusive: once; the second is false and changes nothing', async () => {
    const d = join(dir, 'exclusive');
    expect(await createFileExclusive(join(d, 'k'), 'first', 0o600)).toBe(true);
    expect(await createFileExclusive(join(d, 'k'), 'second', 0o600)).toBe(false);
    expect(await readFile(join(d, 'k'), 'utf8')).toBe('first');
    expect(await readdir(d)).toEqual(['k']);
  });
});
