/**
 * A seeded image file holds the password hash, the Wi-Fi PSK and the card's server key: flash
 * creates it 0600 (umask or not), and under sudo (SUDO_UID/SUDO_GID) gives it to the caller
 * rather than leaving it root's. A card's device node keeps its mode and owner. The CLI as
 * people run it.
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testImage, type TestImage } from '../../helpers/test-image.js';
import { armada, buildCli } from '../../helpers/cli.js';
import { describeNeeds } from '../../helpers/needs.js';
import { flashCli, flashSuite } from './suite.js';

const MiB = 1 << 20;
/** nobody: in every /etc/passwd, never root. */
const caller = { uid: 65534, gid: 65534 };

describeNeeds({ root: true }, 'image files flash creates are private to their owner', () => {
  const suite = flashSuite('armada-file-mode-');
  let image: TestImage;
  const env = (name: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    HOME: join(suite.dir(), name),
    ARMADA_CONFIG_DIR: join(suite.dir(), name, 'config'),
    ARMADA_CACHE_DIR: join(suite.dir(), name, 'cache'),
    ...extra,
  });
  const seedFlags = [
    '--hostname',
    'pi-1',
    '--password',
    'correct horse',
    '--wifi-ssid',
    'home',
    '--wifi-country',
    'DE',
  ];

  let umask: number;
  beforeAll(async () => {
    image = await testImage(join(suite.dir(), 'image'));
    await buildCli();
    // The CLI inherits it: a umask that lets everyone read what is created 0644.
    umask = process.umask(0o022);
  });
  afterAll(() => {
    process.umask(umask);
  });

  const readSeed = (file: string) =>
    execFileSync('mtype', ['-i', `${file}@@${image.boot.offsetBytes}`, '::/armada/seed.env'], {
      env: { ...process.env, MTOOLS_SKIP_CHECK: '1' },
      encoding: 'utf8',
    });

  it('a seeded image file is 0600, even with umask 022', async () => {
    const out = join(suite.dir(), 'seeded.img');
    const r = await armada(
      ['flash', image.xz, out, ...seedFlags, '--wifi-password', 'a long passphrase'],
      { env: env('plain') },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(readSeed(out)).toMatch(/PASSWORD_HASH='\$6\$/);
    const info = statSync(out);
    expect({ mode: (info.mode & 0o777).toString(8), uid: info.uid, gid: info.gid }).toEqual({
      mode: '600',
      uid: 0,
      gid: 0,
    });
  });

  it("under sudo (SUDO_UID/SUDO_GID) it is the caller's, still 0600", async () => {
    const out = join(suite.dir(), 'sudo.img');
    const r = await armada(
      ['flash', image.xz, out, ...seedFlags, '--wifi-password', 'a long passphrase'],
      {
        env: env('sudo', { SUDO_UID: String(caller.uid), SUDO_GID: String(caller.gid) }),
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(readSeed(out)).toMatch(/WIFI_PSK=/);
    const info = statSync(out);
    expect({ mode: (info.mode & 0o777).toString(8), uid: info.uid, gid: info.gid }).toEqual({
      mode: '600',
      ...caller,
    });
  });

  it("a card's device node keeps its mode and owner, under sudo too", async () => {
    const card = await suite.card('mode-card.bin', 136 * MiB);
    const before = statSync(card.device);
    const r = await flashCli(image.img, [card.device], ['--no-seed'], {
      env: env('card', { SUDO_UID: String(caller.uid), SUDO_GID: String(caller.gid) }),
    });
    expect(r.code, r.stderr).toBe(0);
    const after = statSync(card.device);
    expect([after.mode, after.uid, after.gid]).toEqual([before.mode, before.uid, before.gid]);
  });
});
