import { describe, expect, it } from 'vitest';
import {
  FdtError,
  isEnabled,
  nodeAt,
  parseFdt,
  propCells,
  propString,
  propStrings,
} from '../../../src/image/fdt.js';
import { buildFdt } from '../../helpers/fdt-builder.js';

const dtb = buildFdt({
  props: { compatible: ['raspberrypi,4-model-b', 'brcm,bcm2711'], '#address-cells': [2] },
  children: {
    soc: {
      props: { compatible: 'simple-bus', ranges: true },
      children: {
        'mmc@7e300000': { props: { compatible: 'brcm,bcm2835-sdhci', status: 'disabled' } },
        'gpio@7e200000': { props: { phandle: [6], '#gpio-cells': [2] } },
      },
    },
  },
});

describe('parseFdt', () => {
  it('reads nodes, paths and properties of every kind', () => {
    const root = parseFdt(dtb);
    expect(root.path).toBe('/');
    expect(propStrings(root, 'compatible')).toEqual(['raspberrypi,4-model-b', 'brcm,bcm2711']);
    const mmc = nodeAt(root, '/soc/mmc@7e300000')!;
    expect(mmc.path).toBe('/soc/mmc@7e300000');
    expect(mmc.parent?.name).toBe('soc');
    expect(propString(mmc, 'status')).toBe('disabled');
    expect(isEnabled(mmc)).toBe(false);
    const gpio = nodeAt(root, '/soc/gpio')!;
    expect(propCells(gpio, 'phandle')).toEqual([6]);
    expect(isEnabled(gpio)).toBe(true);
    expect(nodeAt(root, '/soc')!.props.get('ranges')).toHaveLength(0);
  });

  it.each([
    ['not a device tree', Buffer.from('hello world, this is not a dtb at all........')],
    ['truncated', dtb.subarray(0, dtb.length - 10)],
    [
      'a structure with no end token',
      (() => {
        const b = Buffer.from(dtb);
        const structOff = b.readUInt32BE(8);
        const size = b.readUInt32BE(36);
        b.writeUInt32BE(4, structOff + size - 4); // FDT_END becomes a NOP
        return b;
      })(),
    ],
  ])('refuses %s', (_what, bytes) => {
    expect(() => parseFdt(bytes)).toThrow(FdtError);
  });
});
