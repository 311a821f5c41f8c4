import { describe, expect, it } from 'vitest';
import {
  compatiblesInKernelImage,
  globRegex,
  matchingModules,
  moduleName,
  parseBuiltinModinfo,
  parseModulesAlias,
  parseModulesDep,
  withDeps,
} from '../../../src/boot-chain/drivers.js';

/** A struct of_device_id as the kernel lays it out: name[32], type[32], compatible[128], data. */
function ofDeviceId(compatible: string): Buffer {
  const b = Buffer.alloc(200);
  b.write(compatible, 64, 'latin1');
  return b;
}

describe('driver tables', () => {
  it.each([
    ['of:N*T*Cbrcm,bcm2711-emmc2', 'of:NmmcTCbrcm,bcm2711-emmc2', true],
    ['of:N*T*Cbrcm,bcm2711-emmc2C*', 'of:NmmcTCbrcm,bcm2711-emmc2', false],
    ['of:N*T*Cbrcm,bcm2711-xhciC*', 'of:NusbTCbrcm,bcm2711-xhciCbrcm,xhci-brcm-v2', true],
    ['of:N*T*Cbrcm,xhci-brcm-v2', 'of:NusbTCbrcm,bcm2711-xhciCbrcm,xhci-brcm-v2', true],
    ['of:N*Tipmi*Cipmi-bt', 'of:NbmcTCipmi-bt', false],
    ['usb:v0424p[Ee]C00d*', 'usb:v0424pEC00d0100', true],
    ['usb:v0424p?C00d*', 'usb:v0424pXC00d', true],
  ])('%s matches %s: %s', (pattern, modalias, expected) => {
    expect(globRegex(pattern).test(modalias)).toBe(expected);
  });

  it('reads modules.alias, the built-in modinfo and modules.dep', () => {
    const aliases = parseModulesAlias(
      'alias of:N*T*Cregulator-fixed fixed\nalias platform:reg-fixed-voltage fixed\nalias fs-ext4 ext4\nalias of:N*T*Cbrcm,genet-mdio-v5 mdio-bcm-unimac\n',
    );
    expect(aliases.map((a) => [a.pattern, a.module])).toEqual([
      ['of:N*T*Cregulator-fixed', 'fixed'],
      ['of:N*T*Cbrcm,genet-mdio-v5', 'mdio_bcm_unimac'],
    ]);
    expect(matchingModules(aliases, ['of:NregTCregulator-fixed'])).toEqual(['fixed']);
    const builtin = parseBuiltinModinfo(
      'fuse.alias=fs-fuse\0gpio_rpi.alias=of:N*T*Craspberrypi,firmware-gpio\0gpio_rpi.license=GPL\0',
    );
    expect(builtin.map((a) => a.module)).toEqual(['gpio_rpi']);
    const { deps, available } = parseModulesDep(
      'kernel/a/sdhci-iproc.ko.xz: kernel/a/sdhci-pltfm.ko.xz kernel/a/sdhci.ko.xz\nkernel/a/sdhci-pltfm.ko.xz: kernel/a/sdhci.ko.xz\nkernel/a/sdhci.ko.xz:\n',
    );
    expect([...available]).toEqual(['sdhci_iproc', 'sdhci_pltfm', 'sdhci']);
    expect(withDeps('sdhci_iproc', deps).sort()).toEqual(['sdhci', 'sdhci_iproc', 'sdhci_pltfm']);
    expect(moduleName('usr/lib/modules/6.12/kernel/drivers/usb/host/xhci-pci.ko.zst')).toBe(
      'xhci_pci',
    );
  });

  it('finds compatibles of the kernel image’s match tables, not strings used elsewhere', () => {
    const strings = Buffer.from('\0regulator-fixed\0regulator-gpio\0', 'latin1');
    const image = Buffer.concat([
      Buffer.alloc(24),
      ofDeviceId('arm,gic-400'),
      ofDeviceId('fixed-clock'),
      Buffer.alloc(200),
      strings,
      Buffer.alloc(200),
    ]);
    expect(
      compatiblesInKernelImage(image, [
        'arm,gic-400',
        'fixed-clock',
        'regulator-fixed',
        'simple-bus',
      ]),
    ).toEqual(new Set(['arm,gic-400', 'fixed-clock']));
    // Misaligned (a struct at an odd offset is not the kernel's layout).
    expect(
      compatiblesInKernelImage(Buffer.concat([Buffer.alloc(3), ofDeviceId('arm,gic-400')]), [
        'arm,gic-400',
      ]).size,
    ).toBe(0);
  });
});
