/**
 * prepareSeeds over a run of two cards: what each card's seed.env carries of the secrets and of
 * --rotate-ca. The laptop's state (device-client key) goes to a temp config dir.
 */
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { prepareSeeds } from '../../../src/seed/apply.js';
import { parseSeedEnv } from '../../../src/seed/seed-env.js';
import { sha512CryptWithSetting } from '../../../src/seed/sha512-crypt.js';
import type { PreparedSeed } from '../../../src/seed/types.js';
import { suiteTempDir } from '../../helpers/tmp.js';

const password = 'correct horse battery staple';

beforeAll(async () => {
  vi.stubEnv('ARMADA_CONFIG_DIR', await suiteTempDir('armada-prepare-seeds-'));
});
afterAll(() => {
  vi.unstubAllEnvs();
});

const seedEnv = (seed: PreparedSeed) =>
  parseSeedEnv(String(seed.files.find((f) => f.path === 'armada/seed.env')!.content));

test('each card of a fleet run gets its own salt: the hashes differ, and each is the password', async () => {
  const seeds = await prepareSeeds(
    { password, hostname: 'pi-{n}', tls: 'device', sudo: 'password' },
    2,
  );
  const hashes = seeds.map((s) => seedEnv(s).PASSWORD_HASH);
  expect(hashes[0]).toMatch(/^\$6\$rounds=100000\$[./0-9A-Za-z]{16}\$/);
  expect(hashes[1]).not.toBe(hashes[0]);
  const salt = (h: string) => h.split('$')[3];
  expect(salt(hashes[1])).not.toBe(salt(hashes[0]));
  // Each hash costs a fraction of a second (100,000 rounds): checking one is enough.
  expect(sha512CryptWithSetting(password, hashes[1])).toBe(hashes[1]);
});

test('--rotate-ca: every device-CA card carries ROTATE_CA, one id for the run; a new run, a new id', async () => {
  const run = async () =>
    (await prepareSeeds({ hostname: 'pi-{n}', tls: 'device', rotateCa: true }, 2)).map(
      (s) => seedEnv(s).ROTATE_CA,
    );
  const first = await run();
  expect(first[0]).toMatch(/^[0-9a-f]{16}$/);
  expect(first[1]).toBe(first[0]);
  expect((await run())[0]).not.toBe(first[0]);
  const without = await prepareSeeds({ hostname: 'pi-{n}', tls: 'device' }, 1);
  expect(seedEnv(without[0])).not.toHaveProperty('ROTATE_CA');
});

test('--rotate-ca on a laptop-CA seed is refused: the card cannot rotate the laptop’s CA', async () => {
  const error: unknown = await prepareSeeds({ hostname: 'pi', rotateCa: true }, 1).catch(
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  expect(JSON.stringify(error) + String(error)).toMatch(
    /rotateCa.*laptop-CA card trusts this laptop's CA.*'armada ca init --force'/s,
  );
});
