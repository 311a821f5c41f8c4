/**
 * configure on a block device follows flash's target rules and wants an armada image there:
 * a loop device needs --allow-virtual, a card without armada's first-boot unit needs
 * --allow-foreign-image, and a refused card is left as it was.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { configureTarget as configureTargetApi } from '../../../src/commands/configure.js';
import { exitCodeOf } from '../../../src/errors.js';
import { describeNeeds } from '../../helpers/needs.js';
import { testImage, type TestImage } from '../../helpers/test-image.js';
import { sha256OfDevice } from './card-check.js';
import { flashSuite } from './suite.js';
import { asCli } from '../../helpers/as-cli.js';

const configureTarget = asCli(configureTargetApi);

const MiB = 1 << 20;

describeNeeds({ root: true }, 'armada configure on a card', () => {
  const suite = flashSuite('armada-configure-target-');
  let image: TestImage;
  const saved = process.env.ARMADA_CONFIG_DIR;

  beforeAll(async () => {
    image = await testImage(join(suite.dir(), 'image'));
    process.env.ARMADA_CONFIG_DIR = join(suite.dir(), 'config');
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.ARMADA_CONFIG_DIR;
    else process.env.ARMADA_CONFIG_DIR = saved;
  });

  async function cardWithImage(name: string) {
    const card = await suite.card(name, 136 * MiB);
    execFileSync('dd', [
      `if=${image.img}`,
      `of=${card.device}`,
      'bs=4M',
      'conv=fsync',
      'status=none',
    ]);
    return card;
  }

  const seed = { hostname: 'pi-c', tls: 'device' as const, password: 'correct horse battery' };

  it('refuses a loop device without --allow-virtual, card untouched', async () => {
    const card = await cardWithImage('configure-loop.bin');
    const before = await sha256OfDevice(card.device);
    const error = await configureTarget({ target: card.device, seed }).catch((e: unknown) => e);
    expect(exitCodeOf(error)).toBe(1);
    expect((error as Error).message).toMatch(
      /refused: it is a virtual device \(loop\); pass --allow-virtual.*nothing was written/,
    );
    expect(await sha256OfDevice(card.device)).toBe(before);
  });

  it('refuses a card without an armada image unless --allow-foreign-image', async () => {
    const card = await cardWithImage('configure-foreign.bin');
    const before = await sha256OfDevice(card.device);
    const error = await configureTarget({
      target: card.device,
      seed,
      rules: { allowVirtual: true },
    }).catch((e: unknown) => e);
    expect(exitCodeOf(error)).toBe(1);
    expect((error as Error).message).toMatch(
      /holds no armada image \(no armada-firstboot\.service .*--allow-foreign-image/,
    );
    expect(await sha256OfDevice(card.device)).toBe(before);
    const r = await configureTarget({
      target: card.device,
      seed,
      rules: { allowVirtual: true, allowForeignImage: true },
    });
    expect(r).toMatchObject({ hostname: 'pi-c', armadaImage: false });
  });
});
