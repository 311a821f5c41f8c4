import { describe, expect, it } from 'vitest';
import { BootChainGapError } from '../../../src/boot-chain/errors.js';
import { manifestBootChain, type BootChainVerdict } from '../../../src/boot-chain/models.js';
import { ExitCode } from '../../../src/errors.js';

const verdict = (over: Partial<BootChainVerdict>): BootChainVerdict => ({
  model: 'pi4b',
  name: 'Raspberry Pi 4 Model B',
  claimed: true,
  dtb: 'bcm2711-rpi-4-b.dtb',
  proven: true,
  targets: [],
  links: [],
  gaps: [],
  ...over,
});

const gap = {
  path: '/emmc2bus/mmc@7e340000',
  purpose: 'root' as const,
  why: 'target: SD card slot',
  compatible: 'brcm,bcm2711-emmc2',
  missing: ['sdhci_iproc'],
  message: 'needs module sdhci_iproc in the initramfs',
};

describe('BootChainGapError', () => {
  it('names the model, the node, the compatible and the missing module; unclaimed models stay out', () => {
    const e = new BootChainGapError([
      verdict({ proven: false, gaps: [gap] }),
      verdict({
        model: 'pi5',
        name: 'Raspberry Pi 5',
        claimed: false,
        proven: false,
        gaps: [{ ...gap, path: '/x' }],
      }),
    ]);
    expect(e.exitCode).toBe(ExitCode.checkFailed);
    expect(e.message).toMatch(
      /^the kernel cannot reach the root filesystem or network of Raspberry Pi 4 Model B: 1 device /,
    );
    expect(e.details).toEqual([
      'Raspberry Pi 4 Model B: /emmc2bus/mmc@7e340000 (brcm,bcm2711-emmc2; target: SD card slot) needs module sdhci_iproc in the initramfs',
    ]);
  });

  it('records each bound node as one manifest line', () => {
    const [m] = manifestBootChain([
      verdict({
        targets: [{ purpose: 'root', path: gap.path, what: 'SD card slot' }],
        links: [
          {
            path: gap.path,
            purpose: 'root',
            why: gap.why,
            compatible: [gap.compatible],
            binding: { kind: 'module', module: 'sdhci_iproc', in: 'initramfs' },
          },
          {
            path: '/emmc2bus',
            purpose: 'root',
            why: 'parent bus',
            compatible: ['simple-bus'],
            binding: { kind: 'builtin', by: 'kernel image (simple-bus)' },
          },
          {
            path: '/clocks',
            purpose: 'root',
            why: 'parent bus',
            compatible: [],
            binding: { kind: 'none', why: 'no compatible' },
          },
        ],
      }),
    ]);
    expect(m).toEqual({
      model: 'pi4b',
      claimed: true,
      dtb: 'bcm2711-rpi-4-b.dtb',
      proven: true,
      targets: ['root: /emmc2bus/mmc@7e340000 (SD card slot)'],
      bound: [
        '/emmc2bus/mmc@7e340000 brcm,bcm2711-emmc2 → sdhci_iproc (initramfs)',
        '/emmc2bus simple-bus → built in (kernel image (simple-bus))',
      ],
      gaps: [],
    });
  });
});
