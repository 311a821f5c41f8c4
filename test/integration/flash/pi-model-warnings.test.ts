/**
 * `armada flash` reads the written card back and warns about each Pi model the image cannot boot
 * (with Debian's 6.12 kernel: the Pi 5), from an .img.xz it could not inspect before writing; a
 * local .img is read while the card is written, with the same verdict.
 */
import { execFileSync } from 'node:child_process';
import { beforeAll, expect, it } from 'vitest';
import { makePiImage } from '../../helpers/pi-image.js';
import { describeNeeds } from '../../helpers/needs.js';
import { flashCli, flashSuite } from './suite.js';
import { buildCli } from '../../helpers/cli.js';

describeNeeds({ root: true }, 'armada flash warns about Pi models the image cannot boot', () => {
  const suite = flashSuite('armada-flash-models-');
  let xz = '';
  let raw = '';

  beforeAll(async () => {
    const { img } = await makePiImage(suite.dir(), { name: 'trixie-like' });
    raw = img;
    xz = `${img}.xz`;
    execFileSync('sh', ['-c', 'xz -T0 -0 -c "$1" > "$2"', 'sh', img, xz]);
    await buildCli();
  }, 300_000);

  it.each(['xz', 'img'])(
    'names the Pi 5 and why, on stderr, and still succeeds (.%s)',
    async (kind) => {
      const card = await suite.card(`card-${kind}.bin`, 128 << 20);
      const r = await flashCli(kind === 'xz' ? xz : raw, [card.device], ['--no-seed', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({
        cards: [{ device: card.device, verified: true }],
      });
      const warnings = r.stderr.split('\n').filter((l) => l.startsWith('WARNING: '));
      expect(warnings).toEqual([
        expect.stringMatching(
          /^WARNING: this image cannot boot a Raspberry Pi 5: its kernel lacks CONFIG_MMC_SDHCI_BRCMSTB/,
        ),
      ]);
    },
  );
});
