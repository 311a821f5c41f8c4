/**
 * Seed flags through the CLI: `flash --no-seed` with a seed flag is refused before anything is
 * written; a HypriotOS sample's login risks are warned about on stderr, one line each.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { armada, buildCli } from '../../helpers/cli.js';
import { describeNeeds, toolsReason } from '../../helpers/needs.js';
import { suiteTempDir } from '../../helpers/tmp.js';

await buildCli();
const dir = await suiteTempDir('armada-seed-flags-');
const env = { ARMADA_CONFIG_DIR: join(dir, 'config'), ARMADA_CACHE_DIR: join(dir, 'cache') };
const img = join(dir, 'card.img');
const hypriot = new URL('../../fixtures/seed/hypriot-wifi.yaml', import.meta.url).pathname;

describeNeeds(
  { unless: toolsReason('sfdisk', 'mkfs.vfat', 'mcopy', 'ssh-keygen') },
  'seed flags',
  () => {
    beforeAll(() => {
      execFileSync('truncate', ['-s', '40M', img]);
      execFileSync('sfdisk', ['-q', img], { input: 'label: dos\nstart=2048, type=c\n' });
      execFileSync('mkfs.vfat', ['--offset', '2048', img, '39936'], { stdio: 'ignore' });
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id')]);
    });

    test('flash --no-seed --hostname x: exit 2 naming both, nothing written', async () => {
      const out = join(dir, 'flashed.img');
      const r = await armada(['flash', img, out, '--yes', '--no-seed', '--hostname', 'x'], {
        env,
      });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(
        /^armada: --no-seed writes the image only, so --hostname would be ignored/m,
      );
      expect(r.stderr).toContain("Run 'armada flash --help' for usage.");
      expect(existsSync(out)).toBe(false);
    });

    test("a HypriotOS sample's login risks: one warning line each on stderr", async () => {
      const r = await armada(
        ['configure', img, '--user-data', hypriot, '--ssh-key', join(dir, 'id.pub')],
        { env },
      );
      expect(r.code, r.stderr).toBe(0);
      const warnings = r.stderr.split('\n').filter((l) => l.startsWith('WARNING: '));
      for (const risk of [
        /:16: users\[0\]\.plain_text_passwd: the password is given in plain text: whoever reads this file can log in as 'pirate', and it is weak \(HypriotOS's published sample password\) — /,
        /:18: users\[0\]\.ssh_pwauth: ssh_pwauth: true with an unlocked password: SSH accepts the password of 'pirate' from the whole network — /,
        /:13: users\[0\]\.sudo: sudo NOPASSWD:ALL: anything running as 'pirate' becomes root without the password 'pirate' has — /,
      ])
        expect(
          warnings.filter((w) => risk.test(w)),
          r.stderr,
        ).toHaveLength(1);
    });
  },
);
