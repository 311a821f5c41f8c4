import { describe, expect, it } from 'vitest';
import { cmdlineTxt, configTxt, planLayout } from '../../../src/image/plan-image.js';
import { parseConfigTxt, settingsFor } from '../../../src/image/config-txt.js';
import {
  cannotBootWarnings,
  checkPiModels,
  claimedGaps,
  piModels,
  rootProblem,
  type BootFacts,
  type ModelVerdict,
} from '../../../src/image/pi-models.js';

const layout = planLayout({
  seed: 'pi-models-test',
  bootSizeMiB: 256,
  rootContentBytes: 1 << 30,
  rootInodes: 50_000,
  headroomMiB: 256,
});

// What assemble-image puts on the FAT of a trixie image: raspi-firmware's blobs, the kernel's
// Pi device trees (dpkg-deb -c of linux-image-6.12.118+deb13-arm64), kernel, initramfs, texts.
const fatFiles = [
  'bootcode.bin',
  'start.elf',
  'fixup.dat',
  'start4.elf',
  'fixup4.dat',
  'start_cd.elf',
  'fixup4cd.dat',
  'bcm2711-rpi-4-b.dtb',
  'bcm2711-rpi-400.dtb',
  'bcm2711-rpi-cm4-io.dtb',
  'bcm2712-rpi-5-b.dtb',
  'bcm2837-rpi-3-a-plus.dtb',
  'bcm2837-rpi-3-b-plus.dtb',
  'bcm2837-rpi-3-b.dtb',
  'bcm2837-rpi-cm3-io3.dtb',
  'bcm2837-rpi-zero-2-w.dtb',
  'vmlinuz',
  'initrd.img',
  'config.txt',
  'cmdline.txt',
].map((f) => `/${f}`);

// Debian 6.12: no SD driver for the Pi 5 and no RP1 drivers; 7.3 (trixie-backports) has them.
const debian612 = new Map([
  ['PCIE_BRCMSTB', 'y'],
  ['MACB', 'm'],
  ['USB_DWC3', 'm'],
  ['MMC_SDHCI_BRCMSTB', 'n'],
  ['GPIO_BRCMSTB', 'n'],
]);
const debian73 = new Map([
  ...debian612,
  ['MMC_SDHCI_BRCMSTB', 'm'],
  ['GPIO_BRCMSTB', 'm'],
  ['MISC_RP1', 'm'],
  ['COMMON_CLK_RP1', 'm'],
  ['PINCTRL_RP1', 'm'],
  ['BCM2712_MIP', 'm'],
  ['PINCTRL_BCM2712', 'm'],
]);

function facts(change: Partial<BootFacts> = {}): BootFacts {
  return {
    files: fatFiles,
    configTxt: configTxt({ layout, arch: 'arm64' }),
    cmdlines: { '/cmdline.txt': cmdlineTxt({ layout, arch: 'arm64' }) },
    table: {
      label: 'dos',
      id: layout.diskId,
      partitions: [
        { index: 1, linux: false },
        { index: 2, linux: true },
      ],
    },
    kernelConfig: debian612,
    kernelArch: 'arm64',
    requireInitramfs: true,
    ...change,
  };
}

const without = (...names: string[]) => fatFiles.filter((f) => !names.includes(f.slice(1)));
const byId = (verdicts: ModelVerdict[]) => new Map(verdicts.map((v) => [v.id, v]));
const claimed = piModels.filter((m) => m.claimed).map((m) => m.id);

describe('checkPiModels', () => {
  it('armada’s own boot partition boots every claimed model, and not the Pi 5 on Debian 6.12', () => {
    const v = byId(checkPiModels(facts()));
    expect(claimed).toEqual(['pi3b', 'pi3bplus', 'pi3aplus', 'zero2w', 'pi4b', 'pi400', 'cm4']);
    for (const id of claimed) expect(v.get(id)).toMatchObject({ boots: true, missing: [] });
    const pi5 = v.get('pi5')!;
    expect(pi5.boots).toBe(false);
    expect(pi5.missing).toEqual([
      expect.stringContaining('CONFIG_MMC_SDHCI_BRCMSTB (the SD card slot'),
      expect.stringContaining('CONFIG_GPIO_BRCMSTB'),
      expect.stringContaining('CONFIG_MISC_RP1'),
      expect.stringContaining('CONFIG_COMMON_CLK_RP1'),
      expect.stringContaining('CONFIG_PINCTRL_RP1'),
      expect.stringContaining('CONFIG_BCM2712_MIP'),
      expect.stringContaining('CONFIG_PINCTRL_BCM2712'),
    ]);
    expect(pi5.unsupported).toMatch(/CONFIG_MMC_SDHCI_BRCMSTB/);
  });

  it('with the Pi 5 drivers in the kernel, the Pi 5 verdict has no gap', () => {
    expect(byId(checkPiModels(facts({ kernelConfig: debian73 }))).get('pi5')).toMatchObject({
      boots: true,
      missing: [],
    });
  });

  const cases: {
    name: string;
    change: Partial<BootFacts>;
    fails: Record<string, string>;
  }[] = [
    {
      name: 'bootcode.bin removed: the whole Pi 3 family',
      change: { files: without('bootcode.bin') },
      fails: {
        pi3b: 'bootcode.bin (firmware)',
        pi3bplus: 'bootcode.bin (firmware)',
        pi3aplus: 'bootcode.bin (firmware)',
        zero2w: 'bootcode.bin (firmware)',
      },
    },
    {
      name: 'start4.elf and fixup4.dat removed: the Pi 4 family',
      change: { files: without('start4.elf', 'fixup4.dat') },
      fails: {
        pi4b: 'start4.elf (firmware); fixup4.dat (firmware)',
        pi400: 'start4.elf (firmware); fixup4.dat (firmware)',
        cm4: 'start4.elf (firmware); fixup4.dat (firmware)',
      },
    },
    {
      name: 'start.elf removed: Pi 3 family only',
      change: { files: without('start.elf') },
      fails: {
        pi3b: 'start.elf (firmware)',
        pi3bplus: 'start.elf (firmware)',
        pi3aplus: 'start.elf (firmware)',
        zero2w: 'start.elf (firmware)',
      },
    },
    {
      name: 'one device tree removed: only its model',
      change: { files: without('bcm2837-rpi-zero-2-w.dtb') },
      fails: { zero2w: 'bcm2837-rpi-zero-2-w.dtb (device tree)' },
    },
    {
      name: 'the kernel removed',
      change: { files: without('vmlinuz') },
      fails: Object.fromEntries(claimed.map((id) => [id, 'vmlinuz (the kernel config.txt names)'])),
    },
    {
      name: 'the initramfs removed',
      change: { files: without('initrd.img') },
      fails: Object.fromEntries(
        claimed.map((id) => [id, 'initrd.img (the initramfs config.txt names)']),
      ),
    },
    {
      name: 'cmdline.txt missing',
      change: { cmdlines: {} },
      fails: Object.fromEntries(claimed.map((id) => [id, 'cmdline.txt'])),
    },
    {
      name: 'root PARTUUID from another disk',
      change: { table: { ...facts().table, id: 'deadbeef' } },
      fails: Object.fromEntries(
        claimed.map((id) => [
          id,
          `root=PARTUUID=${layout.diskId}-02 in cmdline.txt names disk id ${layout.diskId}, but the disk id is deadbeef`,
        ]),
      ),
    },
    {
      name: 'config.txt missing',
      change: { configTxt: undefined },
      fails: Object.fromEntries(claimed.map((id) => [id, 'config.txt'])),
    },
    {
      name: 'a 64-bit kernel without arm_64bit=1',
      change: { configTxt: configTxt({ layout, arch: 'arm64' }).replace('arm_64bit=1\n', '') },
      fails: Object.fromEntries(
        claimed.map((id) => [id, 'arm_64bit=1 in config.txt (the kernel is 64-bit)']),
      ),
    },
    {
      name: 'no [cm4] device_tree line',
      change: {
        configTxt: 'arm_64bit=1\nkernel=vmlinuz\ninitramfs initrd.img followkernel\n',
      },
      fails: {
        cm4: 'device_tree=bcm2711-rpi-cm4-io.dtb in a [cm4] section of config.txt (the firmware does not pick this device tree by itself)',
      },
    },
  ];

  it.each(cases)('$name', ({ change, fails }) => {
    const verdicts = checkPiModels(facts(change));
    for (const v of verdicts.filter((x) => x.claimed)) {
      if (fails[v.id])
        expect({ id: v.id, missing: v.missing.join('; ') }).toEqual({
          id: v.id,
          missing: fails[v.id],
        });
      else expect({ id: v.id, boots: v.boots }).toEqual({ id: v.id, boots: true });
    }
    expect(claimedGaps(verdicts)).toHaveLength(Object.keys(fails).length);
  });

  it('without a kernel= line, the firmware’s default name must be there', () => {
    const noKernel =
      'arm_64bit=1\ninitramfs initrd.img followkernel\n[cm4]\ndevice_tree=bcm2711-rpi-cm4-io.dtb\n';
    const v = byId(checkPiModels(facts({ configTxt: noKernel })));
    expect(v.get('pi4b')!.missing).toEqual(['kernel8.img (no kernel= in config.txt)']);
    const withKernel8 = byId(
      checkPiModels(facts({ configTxt: noKernel, files: [...fatFiles, '/KERNEL8.IMG'] })),
    );
    expect(withKernel8.get('pi4b')!.boots).toBe(true);
  });

  it('cannot check the Pi 5 drivers without the kernel config, and says so', () => {
    const pi5 = byId(checkPiModels(facts({ kernelConfig: undefined }))).get('pi5')!;
    expect(pi5.missing).toEqual([expect.stringMatching(/^a readable kernel config/)]);
  });

  it('warns about every model the image cannot boot', () => {
    const warnings = cannotBootWarnings(checkPiModels(facts({ files: without('bootcode.bin') })));
    expect(warnings).toEqual([
      'this image cannot boot a Raspberry Pi 3 Model B: bootcode.bin (firmware)',
      'this image cannot boot a Raspberry Pi 3 Model B+: bootcode.bin (firmware)',
      'this image cannot boot a Raspberry Pi 3 Model A+: bootcode.bin (firmware)',
      'this image cannot boot a Raspberry Pi Zero 2 W: bootcode.bin (firmware)',
      'this image cannot boot a Raspberry Pi 5: its kernel lacks CONFIG_MMC_SDHCI_BRCMSTB, CONFIG_GPIO_BRCMSTB, CONFIG_MISC_RP1, CONFIG_COMMON_CLK_RP1, CONFIG_PINCTRL_RP1, CONFIG_BCM2712_MIP, CONFIG_PINCTRL_BCM2712 (see docs/pi-models.md)',
    ]);
  });
});

describe('rootProblem', () => {
  const table = facts().table;
  it.each([
    ['root=PARTUUID=' + layout.diskId + '-02 rootwait', undefined],
    ['root=/dev/mmcblk0p2 rootwait', undefined],
    ['root=LABEL=rootfs', undefined],
    [
      'console=tty0 rootwait',
      'root= in cmdline.txt (the kernel would not know its root filesystem)',
    ],
    [
      `root=PARTUUID=${layout.diskId}-03`,
      'partition 3 named by root=PARTUUID=' + layout.diskId + '-03',
    ],
    [
      `root=PARTUUID=${layout.diskId}-01`,
      'a Linux root filesystem on partition 1 (root=PARTUUID=' + layout.diskId + '-01)',
    ],
    ['root=/dev/mmcblk0p1', 'a Linux root filesystem on partition 1 (root=/dev/mmcblk0p1)'],
    [
      'root=PARTUUID=xyz',
      'a valid root=PARTUUID=<disk id>-NN in cmdline.txt (it says PARTUUID=xyz)',
    ],
  ])('%s', (cmdline, problem) => {
    expect(rootProblem(cmdline, table)).toBe(problem);
  });
});

describe('config.txt', () => {
  it('applies [all] and the model’s own sections, later lines winning', () => {
    const lines = parseConfigTxt(
      '# comment\nkernel=a\n[pi4]\nkernel=b # four\n[cm4]\ndevice_tree=x.dtb\n[all]\ninitramfs i.img followkernel\n',
    );
    expect(Object.fromEntries(settingsFor(lines, ['pi3']))).toEqual({
      kernel: 'a',
      initramfs: 'i.img',
    });
    expect(Object.fromEntries(settingsFor(lines, ['pi4', 'cm4']))).toEqual({
      kernel: 'b',
      device_tree: 'x.dtb',
      initramfs: 'i.img',
    });
  });
});
