import { describe, expect, it } from 'vitest';
import { parseFdt } from '../../../src/image/fdt.js';
import {
  parseBuiltinModinfo,
  parseModulesAlias,
  parseModulesDep,
  type DriverTables,
} from '../../../src/boot-chain/drivers.js';
import { proveBootChain, type ProofInputs } from '../../../src/boot-chain/prove.js';
import { buildFdt, type NodeSpec } from '../../helpers/fdt-builder.js';

/** A Pi-4-shaped tree: the SD host with its regulators, clocks and interrupts; GENET; dwc2. */
function pi4(edit: (t: { soc: NodeSpec; root: NodeSpec }) => void = () => undefined) {
  const soc: NodeSpec = {
    props: { compatible: 'simple-bus', 'interrupt-parent': [1] },
    children: {
      'interrupt-controller@40041000': {
        props: {
          compatible: 'arm,gic-400',
          'interrupt-controller': true,
          '#interrupt-cells': [3],
          phandle: [1],
        },
      },
      'cprman@7e101000': {
        props: { compatible: 'brcm,bcm2711-cprman', '#clock-cells': [1], phandle: [7] },
      },
      firmware: {
        props: { compatible: ['raspberrypi,bcm2835-firmware', 'simple-mfd'] },
        children: {
          gpio: {
            props: { compatible: 'raspberrypi,firmware-gpio', '#gpio-cells': [2], phandle: [10] },
          },
        },
      },
      'mmc@7e300000': {
        props: { compatible: 'brcm,bcm2835-sdhci', 'non-removable': true, interrupts: [0, 126, 4] },
      },
      'usb@7e980000': {
        props: { compatible: 'brcm,bcm2835-usb', interrupts: [0, 73, 4], phys: [19] },
      },
    },
  };
  const root: NodeSpec = {
    props: { compatible: 'raspberrypi,4-model-b' },
    children: {
      aliases: { props: { ethernet0: '/scb/ethernet@7d580000' } },
      soc,
      phy: { props: { compatible: 'usb-nop-xceiv', '#phy-cells': [0], phandle: [19] } },
      'regulator-sd-vcc': {
        props: { compatible: 'regulator-fixed', gpio: [10, 6, 0], phandle: [32] },
      },
      emmc2bus: {
        props: { compatible: 'simple-bus' },
        children: {
          'mmc@7e340000': {
            props: {
              compatible: 'brcm,bcm2711-emmc2',
              interrupts: [0, 126, 4],
              'interrupt-parent': [1],
              clocks: [7, 51],
              'vmmc-supply': [32],
              status: 'okay',
            },
          },
        },
      },
      scb: {
        props: { compatible: 'simple-bus' },
        children: {
          'ethernet@7d580000': {
            props: {
              compatible: 'brcm,bcm2711-genet-v5',
              'phy-handle': [40],
              interrupts: [0, 157, 4],
              'interrupt-parent': [1],
            },
            children: {
              'mdio@e14': {
                props: { compatible: 'brcm,genet-mdio-v5' },
                children: { 'ethernet-phy@1': { props: { reg: [1], phandle: [40] } } },
              },
            },
          },
        },
      },
    },
  };
  edit({ soc, root });
  return parseFdt(buildFdt(root));
}

const alias = (lines: [string, string][]) =>
  lines.flatMap(([c, m]) => [`alias of:N*T*C${c}C* ${m}`, `alias of:N*T*C${c} ${m}`]).join('\n');

const modulesAlias = [
  alias([
    ['brcm,bcm2711-emmc2', 'sdhci_iproc'],
    ['brcm,bcm2835-sdhci', 'sdhci_iproc'],
    ['regulator-fixed', 'fixed'],
    ['brcm,bcm2711-genet-v5', 'genet'],
    ['brcm,genet-mdio-v5', 'mdio_bcm_unimac'],
    ['brcm,bcm2835-usb', 'dwc2'],
    ['usb-nop-xceiv', 'phy_generic'],
  ]),
  'alias usb:v0424pEC00d*dc*dsc*dp*ic*isc*ip*in* smsc95xx',
  'alias usb:v*p*d*dc09dsc*dp*ic*isc*ip*in* usbcore',
  'alias pci:v00001DE4d00000001sv*sd*bc*sc*i* rp1_pci',
].join('\n');

const modulesDep = [
  'kernel/drivers/mmc/host/sdhci-iproc.ko.xz: kernel/drivers/mmc/host/sdhci-pltfm.ko.xz kernel/drivers/mmc/host/sdhci.ko.xz',
  'kernel/drivers/mmc/host/sdhci-pltfm.ko.xz: kernel/drivers/mmc/host/sdhci.ko.xz',
  'kernel/drivers/mmc/host/sdhci.ko.xz:',
  'kernel/drivers/regulator/fixed.ko.xz:',
  'kernel/drivers/net/ethernet/broadcom/genet/genet.ko.xz: kernel/drivers/net/mdio/mdio-bcm-unimac.ko.xz',
  'kernel/drivers/net/mdio/mdio-bcm-unimac.ko.xz:',
  'kernel/drivers/usb/dwc2/dwc2.ko.xz: kernel/drivers/usb/core/usbcore.ko.xz',
  'kernel/drivers/usb/core/usbcore.ko.xz:',
  'kernel/drivers/usb/phy/phy-generic.ko.xz:',
  'kernel/drivers/net/usb/smsc95xx.ko.xz: kernel/drivers/usb/core/usbcore.ko.xz',
].join('\n');

function tables(): DriverTables {
  return {
    modules: parseModulesAlias(modulesAlias),
    builtin: parseBuiltinModinfo(''),
    ...parseModulesDep(modulesDep),
  };
}

const kernel = new Set([
  'simple-bus',
  'arm,gic-400',
  'brcm,bcm2711-cprman',
  'raspberrypi,bcm2835-firmware',
  'raspberrypi,firmware-gpio',
]);
const initramfs = new Set(['sdhci_iproc', 'sdhci_pltfm', 'sdhci', 'fixed']);

const inputs = (over: Partial<ProofInputs> = {}): ProofInputs => ({
  tables: tables(),
  kernelCompatibles: kernel,
  initramfs,
  ...over,
});

const without = (s: ReadonlySet<string>, ...drop: string[]) =>
  new Set([...s].filter((x) => !drop.includes(x)));

describe('proveBootChain', () => {
  it('proves a complete tree, naming where each driver comes from', () => {
    const proof = proveBootChain(pi4(), inputs());
    expect(proof.gaps).toEqual([]);
    expect(proof.proven).toBe(true);
    expect(proof.targets).toEqual([
      { purpose: 'root', path: '/emmc2bus/mmc@7e340000', what: 'SD card slot' },
      { purpose: 'network', path: '/scb/ethernet@7d580000', what: 'Ethernet (ethernet0)' },
      { purpose: 'network', path: '/soc/usb@7e980000', what: 'USB host controller' },
    ]);
    const by = new Map(proof.links.map((l) => [l.path, l]));
    expect(by.get('/emmc2bus/mmc@7e340000')!.binding).toEqual({
      kind: 'module',
      module: 'sdhci_iproc',
      in: 'initramfs',
    });
    expect(by.get('/regulator-sd-vcc')).toMatchObject({
      purpose: 'root',
      why: 'vmmc-supply of /emmc2bus/mmc@7e340000',
    });
    // The GPIO the regulator switches, its parent bus, the interrupt controller and the clock.
    expect(by.get('/soc/firmware/gpio')).toMatchObject({
      purpose: 'root',
      binding: { kind: 'builtin' },
    });
    expect(by.get('/soc/firmware')).toMatchObject({
      purpose: 'root',
      why: 'parent bus of /soc/firmware/gpio',
    });
    expect(by.get('/soc/interrupt-controller@40041000')!.why).toBe(
      'interrupt-parent of /emmc2bus/mmc@7e340000',
    );
    expect(by.get('/soc/cprman@7e101000')!.why).toBe('clocks of /emmc2bus/mmc@7e340000');
    // The network needs its drivers in the root filesystem, not the initramfs.
    expect(by.get('/scb/ethernet@7d580000')!.binding).toEqual({
      kind: 'module',
      module: 'genet',
      in: 'root filesystem',
    });
    expect(by.get('/scb/ethernet@7d580000/mdio@e14')!.why).toBe(
      'phy-handle of /scb/ethernet@7d580000',
    );
    expect(by.get('/phy')!.binding).toMatchObject({ module: 'phy_generic' });
    // The Wi-Fi's SDIO slot (non-removable) is no card slot.
    expect(by.has('/soc/mmc@7e300000')).toBe(false);
  });

  it.each([
    [
      'the SD host driver',
      ['sdhci_iproc'],
      '/emmc2bus/mmc@7e340000',
      'brcm,bcm2711-emmc2',
      ['sdhci_iproc'],
    ],
    [
      'a module the SD host driver depends on',
      ['sdhci'],
      '/emmc2bus/mmc@7e340000',
      'brcm,bcm2711-emmc2',
      ['sdhci'],
    ],
    ['the card power regulator', ['fixed'], '/regulator-sd-vcc', 'regulator-fixed', ['fixed']],
  ])('fails when the initramfs lacks %s', (_what, drop, path, compatible, missing) => {
    const proof = proveBootChain(pi4(), inputs({ initramfs: without(initramfs, ...drop) }));
    expect(proof.proven).toBe(false);
    expect(proof.gaps).toMatchObject([{ path, compatible, missing, purpose: 'root' }]);
    expect(proof.gaps[0].message).toContain('in the initramfs');
  });

  it('fails when a built-in supplier is not in the kernel, naming the compatible', () => {
    const proof = proveBootChain(
      pi4(),
      inputs({ kernelCompatibles: without(kernel, 'raspberrypi,firmware-gpio') }),
    );
    expect(proof.gaps).toMatchObject([
      {
        path: '/soc/firmware/gpio',
        compatible: 'raspberrypi,firmware-gpio',
        missing: [],
        why: 'gpio of /regulator-sd-vcc',
      },
    ]);
    expect(proof.gaps[0].message).toBe(
      'no driver in this kernel matches raspberrypi,firmware-gpio',
    );
  });

  it('accepts a driver built in by modules.builtin.modinfo', () => {
    const t = tables();
    const proof = proveBootChain(
      pi4(),
      inputs({
        tables: {
          ...t,
          builtin: parseBuiltinModinfo('fixed.alias=of:N*T*Cregulator-fixed\0fixed.license=GPL\0'),
        },
        initramfs: without(initramfs, 'fixed'),
      }),
    );
    expect(proof.gaps).toEqual([]);
    expect(proof.links.find((l) => l.path === '/regulator-sd-vcc')!.binding).toEqual({
      kind: 'builtin',
      by: 'fixed',
    });
  });

  it('wants network drivers in the root filesystem, not the initramfs', () => {
    const t = tables();
    const available = without(t.available, 'genet');
    const proof = proveBootChain(pi4(), inputs({ tables: { ...t, available } }));
    expect(proof.gaps).toMatchObject([
      { path: '/scb/ethernet@7d580000', purpose: 'network', missing: ['genet'] },
    ]);
    expect(proof.gaps[0].message).toBe('needs module genet in the root filesystem');
  });

  it('does not need disabled nodes, and finds no target in a disabled slot', () => {
    const proof = proveBootChain(
      pi4(({ root, soc }) => {
        root.children!.emmc2bus.children!['mmc@7e340000'].props!.status = 'disabled';
        soc.children!['usb@7e980000'].props!.status = 'disabled';
      }),
      inputs(),
    );
    expect(proof.targets.map((t) => t.path)).toEqual(['/scb/ethernet@7d580000']);
    expect(proof.gaps.map((g) => g.message)).toEqual([
      'the device tree has no enabled SD card slot (an mmc node without non-removable)',
    ]);
  });

  it('binds USB devices the tree names by their ID, and hubs by class', () => {
    const proof = proveBootChain(
      pi4(({ root, soc }) => {
        delete root.children!.scb;
        root.children!.aliases.props!.ethernet0 = '/soc/usb@7e980000/usb1@1/ethernet@1';
        soc.children!['usb@7e980000'].children = {
          'usb1@1': {
            props: { compatible: 'usb424,9514' },
            children: { 'ethernet@1': { props: { compatible: 'usb424,ec00' } } },
          },
        };
      }),
      inputs(),
    );
    expect(proof.gaps).toEqual([]);
    const by = new Map(proof.links.map((l) => [l.path, l.binding]));
    expect(by.get('/soc/usb@7e980000/usb1@1/ethernet@1')).toMatchObject({ module: 'smsc95xx' });
    expect(by.get('/soc/usb@7e980000/usb1@1')).toMatchObject({ module: 'usbcore' });
  });

  it('reports a phandle that points nowhere', () => {
    const proof = proveBootChain(
      pi4(({ root }) => {
        root.children!['regulator-sd-vcc'].props!.gpio = [99, 6, 0];
      }),
      inputs(),
    );
    expect(proof.gaps.map((g) => g.message)).toEqual(['gpio names phandle 99, which no node has']);
  });
});
