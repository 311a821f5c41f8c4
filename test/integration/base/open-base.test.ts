import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { obtainBase } from '../../../src/base/open-base.js';
import { ChecksumMismatchError, exitCodeOf } from '../../../src/errors.js';
import { sha256OfFile } from '../../../src/source/checksum.js';
import { suiteTempDir } from '../../helpers/tmp.js';

/** A local base's checksum and hashing; obtainBase only hashes, so random bytes will do. */
describe('build --base: a local base file, checked and hashed', () => {
  let dir: string;
  let img: string;
  let sha: string;
  const wrong = 'ab'.repeat(32);
  beforeEach(async () => {
    dir = await suiteTempDir('armada-open-base-');
    img = join(dir, 'raspios-lite.img');
    await writeFile(img, randomBytes(3 << 20));
    sha = await sha256OfFile(img);
  });

  it('a SHA256SUMS beside it counts, and the manifest learns it was checked against it', async () => {
    const sums = join(dir, 'SHA256SUMS');
    await writeFile(sums, `${wrong}  other.img\n${sha}  raspios-lite.img\n`);
    const src = await obtainBase({ base: img });
    expect(src).toMatchObject({ sha256: sha, checkedAgainst: sums });
  });

  it('a SHA256SUMS line that does not match refuses the base (exit 3)', async () => {
    await writeFile(join(dir, 'SHA256SUMS'), `${wrong}  raspios-lite.img\n`);
    const error = await obtainBase({ base: img }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChecksumMismatchError);
    expect(exitCodeOf(error)).toBe(3);
  });

  it('precedence: --sha256, else <file>.sha256, else SHA256SUMS', async () => {
    await writeFile(join(dir, 'SHA256SUMS'), `${wrong}  raspios-lite.img\n`);
    await writeFile(`${img}.sha256`, `${sha}  raspios-lite.img\n`);
    expect((await obtainBase({ base: img })).checkedAgainst).toBe(`${img}.sha256`);
    expect((await obtainBase({ base: img, sha256: sha })).checkedAgainst).toBe('sha256');
  });

  it('a checksum file that cannot be read is an error, not a base taken unchecked', async () => {
    // A directory where the .sha256 should be: EISDIR, which must not pass for "no such file".
    await mkdir(`${img}.sha256`);
    await expect(obtainBase({ base: img })).rejects.toMatchObject({ code: 'EISDIR' });
  });

  it("a repeated build of an unchanged file takes its sha256 from flash's memo", async () => {
    const memo = join(dir, 'verified-images.json');
    const first = await obtainBase({ base: img, digestMemo: memo });
    expect(first).toMatchObject({ sha256: sha, hashRemembered: false });
    expect(await readFile(memo, 'utf8')).toContain(sha);
    const again = await obtainBase({ base: img, digestMemo: memo });
    expect(again).toMatchObject({ sha256: sha, hashRemembered: true });
    // Changed (a new ctime and size): hashed again, never the old digest.
    await appendFile(img, randomBytes(4096));
    const changed = await obtainBase({ base: img, digestMemo: memo });
    expect(changed.hashRemembered).toBe(false);
    expect(changed.sha256).toBe(await sha256OfFile(img));
    expect(changed.sha256).not.toBe(sha);
  });
});
