/**
 * The build's boot-file check on images laid out as armada builds them: the complete one passes
 * with a verdict per model; one with a file removed fails with exit code 3 and names what is
 * missing for which model.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BuildContext } from '../../../src/build/context.js';
import type { BuildOptions } from '../../../src/build/options.js';
import { verifyBootFiles } from '../../../src/build/steps/verify-boot-files.js';
import { CheckFailedError, ExitCode } from '../../../src/errors.js';
import { runSteps } from '../../../src/progress.js';
import { makePiImage, piImageKernel } from '../../helpers/pi-image.js';
import { withVersion } from '../../helpers/kernel-packages.js';
import { suiteTempDir } from '../../helpers/tmp.js';

const dir = await suiteTempDir('armada-boot-files-');

async function rootfsWithConfig(): Promise<string> {
  const rootfs = join(dir, 'rootfs');
  await mkdir(join(rootfs, 'boot'), { recursive: true });
  const config = await readFile(
    new URL('../../fixtures/kernel/config-6.1-arm64-trimmed', import.meta.url),
    'utf8',
  );
  await writeFile(join(rootfs, `boot/config-${piImageKernel}`), withVersion(config, piImageKernel));
  return rootfs;
}

async function verify(img: string): Promise<BuildContext> {
  const ctx: BuildContext = { timings: {}, imagePath: img, rootfsDir: await rootfsWithConfig() };
  await runSteps([verifyBootFiles({ arch: 'arm64' } as BuildOptions)], ctx);
  return ctx;
}

describe('verify-boot-files', () => {
  it('passes an image that has everything, with a verdict per model', async () => {
    const { img } = await makePiImage(dir, { name: 'complete' });
    const ctx = await verify(img);
    const verdicts = new Map(ctx.piModels!.map((v) => [v.id, v]));
    for (const id of ['pi3b', 'pi3bplus', 'pi3aplus', 'zero2w', 'pi4b', 'pi400', 'cm4'])
      expect(verdicts.get(id)).toMatchObject({ claimed: true, boots: true, missing: [] });
    // The 6.1 config in the fixture has no Pi 5 SD or RP1 drivers.
    expect(verdicts.get('pi5')).toMatchObject({ claimed: false, boots: false });
    expect(verdicts.get('pi5')!.missing.join('\n')).toContain('CONFIG_MMC_SDHCI_BRCMSTB');
  });

  it('fails with exit 3 naming the file and the models when start4.elf is missing', async () => {
    const { img } = await makePiImage(dir, { name: 'no-start4', omitBoot: ['start4.elf'] });
    const error = await verify(img).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckFailedError);
    const e = error as CheckFailedError;
    expect(e.exitCode).toBe(ExitCode.checkFailed);
    expect(e.message).toMatch(/cannot boot 3 Raspberry Pi models/);
    expect(e.details).toEqual([
      'Raspberry Pi 4 Model B: missing start4.elf (firmware)',
      'Raspberry Pi 400: missing start4.elf (firmware)',
      'Raspberry Pi Compute Module 4: missing start4.elf (firmware)',
    ]);
  });

  it('fails when a device tree is missing, for that model only', async () => {
    const { img } = await makePiImage(dir, {
      name: 'no-dtb',
      omitBoot: ['bcm2837-rpi-3-b-plus.dtb'],
    });
    const e = (await verify(img).catch((x: unknown) => x)) as CheckFailedError;
    expect(e.details).toEqual([
      'Raspberry Pi 3 Model B+: missing bcm2837-rpi-3-b-plus.dtb (device tree)',
    ]);
  });
});
