import { execFileSync } from 'node:child_process';
import { access, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256sums } from '../../../src/build/plan-artifacts.js';
import { CheckFailedError, ExitCode, UserError } from '../../../src/errors.js';
import { sha256OfFile } from '../../../src/source/checksum.js';
import { signFile } from '../../../src/sign/sign-sums.js';
import { checkSumsSignature } from '../../../src/source/verify-sums.js';
import { armada, buildCli } from '../../helpers/cli.js';
import { describeNeeds, toolsReason } from '../../helpers/needs.js';
import { testImage } from '../../helpers/test-image.js';
import { suiteTempDir } from '../../helpers/tmp.js';

/** Keys made here, in the test's own dir (never ~/.ssh). */
function keygen(path: string, comment: string): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  return execFileSync('ssh-keygen', ['-l', '-f', `${path}.pub`])
    .toString()
    .split(' ')[1];
}

describeNeeds(
  { unless: toolsReason('ssh-keygen') },
  'SHA256SUMS signed with an SSH key (build --sign-key) and checked by flash',
  () => {
    let dir: string;
    let sums: string;
    let text: string;
    let trusted: string;
    let fingerprint: string;

    beforeAll(async () => {
      dir = await suiteTempDir('armada-sign-');
      fingerprint = keygen(join(dir, 'release'), 'release@armada-test');
      keygen(join(dir, 'other'), 'someone@else');
      trusted = join(dir, 'trusted-keys');
      await writeFile(
        trusted,
        `# the release key\n${await readFile(join(dir, 'release.pub'), 'utf8')}`,
      );
      await mkdir(join(dir, 'out'));
      await writeFile(join(dir, 'out/pi.img'), 'an image\n');
      sums = join(dir, 'out/SHA256SUMS');
      text = sha256sums([
        { file: 'manifest.json', sha256: 'a'.repeat(64) },
        { file: 'pi.img', sha256: await sha256OfFile(join(dir, 'out/pi.img')) },
      ]);
      await writeFile(sums, text);
      expect(await signFile(join(dir, 'release'), sums)).toBe(`${sums}.sig`);
    });

    it('a standard tool checks the signature: ssh-keygen -Y verify with allowed_signers', async () => {
      const allowed = join(dir, 'allowed_signers');
      const pub = (await readFile(join(dir, 'release.pub'), 'utf8')).split(' ');
      await writeFile(allowed, `release@armada namespaces="armada-release" ${pub[0]} ${pub[1]}\n`);
      const out = execFileSync(
        'ssh-keygen',
        [
          '-Y',
          'verify',
          '-f',
          allowed,
          '-I',
          'release@armada',
          '-n',
          'armada-release',
          '-s',
          `${sums}.sig`,
        ],
        { input: text },
      ).toString();
      expect(out).toContain('Good "armada-release" signature');
    });

    it('says which trusted key signed', async () => {
      expect(await checkSumsSignature(sums, text, { trustedKeys: trusted })).toEqual({
        status: 'verified',
        name: 'release@armada-test',
        fingerprint,
        signature: `${sums}.sig`,
      });
    });

    it('refuses a changed SHA256SUMS whose signature looks right (exit 3)', async () => {
      const changed = text.replace('a'.repeat(64), 'b'.repeat(64));
      const e = await checkSumsSignature(sums, changed, { trustedKeys: trusted }).catch(
        (e: unknown) => e,
      );
      expect(e).toBeInstanceOf(CheckFailedError);
      expect((e as CheckFailedError).exitCode).toBe(ExitCode.checkFailed);
      expect((e as Error).message).toMatch(/does not match its signature by release@armada-test/);
    });

    it('refuses a signature by a key nobody trusts', async () => {
      const other = join(dir, 'other-out');
      await mkdir(other);
      await writeFile(join(other, 'SHA256SUMS'), text);
      await signFile(join(dir, 'other'), join(other, 'SHA256SUMS'));
      await expect(
        checkSumsSignature(join(other, 'SHA256SUMS'), text, { trustedKeys: trusted }),
      ).rejects.toThrow(/is not a signature by a key in .*trusted-keys/);
    });

    it('says "not signed" and "no trusted keys"; refuses either only when required', async () => {
      const bare = join(dir, 'bare');
      await mkdir(bare);
      await writeFile(join(bare, 'SHA256SUMS'), text);
      const unsigned = join(bare, 'SHA256SUMS');
      expect(await checkSumsSignature(unsigned, text, { trustedKeys: trusted })).toEqual({
        status: 'not-signed',
      });
      await expect(
        checkSumsSignature(unsigned, text, { trustedKeys: trusted, require: true }),
      ).rejects.toBeInstanceOf(CheckFailedError);
      const none = join(dir, 'no-such-file');
      expect(await checkSumsSignature(sums, text, { trustedKeys: none })).toEqual({
        status: 'no-trusted-keys',
        signature: `${sums}.sig`,
      });
      const e = await checkSumsSignature(sums, text, { trustedKeys: none, require: true }).catch(
        (e: unknown) => e,
      );
      expect(e).toBeInstanceOf(UserError);
      expect((e as UserError).exitCode).toBe(ExitCode.user);
    });

    describe('armada flash', () => {
      let img: string;
      let release: string;
      beforeAll(async () => {
        await buildCli();
        const image = await testImage(join(dir, 'image'), { sizeMiB: 80 });
        release = join(dir, 'release-dir');
        await mkdir(release);
        img = join(release, basename(image.img));
        await copyFile(image.img, img);
        const good = sha256sums([
          { file: basename(img), sha256: await sha256OfFile(img) },
          { file: 'manifest.json', sha256: 'a'.repeat(64) },
        ]);
        await writeFile(join(release, 'SHA256SUMS'), good);
        await signFile(join(dir, 'release'), join(release, 'SHA256SUMS'));
      });

      it('names the key that signed the SHA256SUMS it checked the image against', async () => {
        const out = join(dir, 'ok.img');
        const r = await armada(['flash', img, out, '--no-seed', '--trusted-keys', trusted]);
        expect(r.code).toBe(0);
        expect(r.stdout).toContain(`signed by release@armada-test (${fingerprint})`);
      });

      it('a tampered SHA256SUMS with its old signature: exit 3, one line, nothing written', async () => {
        // The image's own line still matches: only the signature tells.
        const path = join(release, 'SHA256SUMS');
        await writeFile(
          path,
          (await readFile(path, 'utf8')).replace('a'.repeat(64), 'c'.repeat(64)),
        );
        const out = join(dir, 'tampered.img');
        const r = await armada(['flash', img, out, '--no-seed', '--trusted-keys', trusted]);
        expect(r.code).toBe(3);
        expect(
          r.stderr
            .trim()
            .split('\n')
            .filter((l) => l.startsWith('armada:')),
        ).toEqual([
          expect.stringMatching(
            /^armada: .*SHA256SUMS does not match its signature by release@armada-test .*changed after signing/,
          ),
        ]);
        await expect(access(out)).rejects.toThrow();
      });
    });
  },
);
