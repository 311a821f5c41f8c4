/**
 * The boot-chain proof on Debian's real files, from the cached stage the e2e build used (so it
 * runs after global-setup's build, which makes that stage on a machine with an empty cache): the
 * device trees, vmlinuz, modules.alias/.dep/.builtin.modinfo and the initramfs the bootstrap
 * generated. Every claimed model is proven; taking a model's SD driver away turns it red.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { compatiblesInKernelImage } from '../../src/boot-chain/drivers.js';
import { initramfsModules, initramfsNames } from '../../src/boot-chain/initramfs-files.js';
import { modulesFromDir } from '../../src/boot-chain/image-source.js';
import {
  neededCompatibles,
  proveModels,
  walkTree,
  type ModelsInput,
} from '../../src/boot-chain/models.js';
import { driverTables } from '../../src/boot-chain/read.js';
import { parseFdt } from '../../src/image/fdt.js';
import { piModels } from '../../src/image/pi-models.js';
import { cachedStage } from '../helpers/cached-stage.js';
import { builtImage } from './built-image.js';
import { describeNeeds } from '../helpers/needs.js';

const want = { arch: 'arm64', suite: 'trixie' };
const claimed = piModels.filter((m) => m.claimed).map((m) => m.id);

describeNeeds(
  { root: true },
  'boot-chain proof on the trixie stage the e2e image was built from',
  () => {
    let input: ModelsInput;

    beforeAll(async () => {
      const key = (builtImage().build.manifest.inputs as { stageKey: string }).stageKey;
      const stage = cachedStage(want, key);
      if (!stage) throw new Error(`the e2e build's stage ${key} is not in the cache`);
      const dtbs = join(stage.rootfs, `usr/lib/linux-image-${stage.version}/broadcom`);
      const trees = await Promise.all(
        piModels.map(async (model) => ({
          model,
          dtb: model.dtb,
          tree: parseFdt(await readFile(join(dtbs, model.dtb))),
        })),
      );
      const kernel = await readFile(join(stage.rootfs, `boot/vmlinuz-${stage.version}`));
      const initrd = await readFile(join(stage.rootfs, `boot/initrd.img-${stage.version}`));
      input = {
        trees,
        tables: driverTables(await modulesFromDir(stage.rootfs)),
        kernelCompatibles: compatiblesInKernelImage(
          kernel,
          trees.flatMap((t) => neededCompatibles(walkTree(t.tree).walk)),
        ),
        initramfs: initramfsModules(await initramfsNames(initrd)),
      };
    }, 60_000);

    const verdict = (id: string, over: Partial<ModelsInput> = {}) =>
      proveModels({ ...input, ...over }).find((v) => v.model === id)!;

    it('proves every claimed model', () => {
      const red = proveModels(input).filter((v) => v.claimed && !v.proven);
      expect(
        red.map((v) => ({ model: v.model, gaps: v.gaps.map((g) => `${g.path}: ${g.message}`) })),
      ).toEqual([]);
    });

    it('finds the SD card slot of each model in its device tree', () => {
      const slot = (id: string) =>
        verdict(id)
          .targets.filter((t) => t.purpose === 'root')
          .map((t) => t.path);
      for (const id of ['pi3b', 'pi3bplus', 'pi3aplus', 'zero2w'])
        expect(slot(id), id).toEqual(['/soc/mmc@7e202000']);
      for (const id of ['pi4b', 'pi400', 'cm4'])
        expect(slot(id), id).toEqual(['/emmc2bus/mmc@7e340000']);
      // The Pi 4's SD host reaches the card through two regulators switched by the firmware's GPIO.
      const links = new Map(verdict('pi4b').links.map((l) => [l.path, l]));
      expect(links.get('/regulator-sd-vcc')).toMatchObject({
        purpose: 'root',
        binding: { module: 'fixed' },
      });
      expect(links.get('/regulator-sd-io-1v8')).toMatchObject({
        purpose: 'root',
        binding: { module: 'gpio_regulator' },
      });
      expect(links.get('/soc/firmware/gpio')!.binding.kind).toBe('builtin');
    });

    it('reports the Pi 5 as not claimed and red, with the reason, without failing the claimed ones', () => {
      const pi5 = verdict('pi5');
      expect(pi5).toMatchObject({ claimed: false, proven: false });
      expect(pi5.gaps.map((g) => g.message)).toContain(
        'no driver in this kernel matches brcm,bcm2712-sdhci or brcm,sdhci-brcmstb',
      );
    });

    // Every claimed model, whichever way its SD host driver is there: a module leaves the
    // initramfs list; a built-in driver leaves the kernel's own tables.
    it.each(claimed)('turns %s red when its SD host driver is taken away', (id) => {
      const before = verdict(id);
      const slot = before.targets.find((t) => t.purpose === 'root')!;
      const link = before.links.find((l) => l.path === slot.path)!;
      if (link.binding.kind === 'module') {
        const module = link.binding.module;
        const initramfs = new Set([...input.initramfs].filter((m) => m !== module));
        const after = verdict(id, { initramfs });
        expect(after.proven).toBe(false);
        expect(after.gaps).toContainEqual(
          expect.objectContaining({
            path: slot.path,
            compatible: link.compatible[0],
            missing: [module],
          }),
        );
      } else {
        const kernelCompatibles = new Set(
          [...input.kernelCompatibles].filter((c) => !link.compatible.includes(c)),
        );
        const tables = { ...input.tables, builtin: [] };
        const after = verdict(id, { kernelCompatibles, tables });
        expect(after.proven).toBe(false);
        expect(after.gaps).toContainEqual(
          expect.objectContaining({ path: slot.path, compatible: link.compatible[0] }),
        );
      }
    });
  },
);
