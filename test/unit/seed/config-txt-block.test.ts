import { describe, expect, test } from 'vitest';
import {
  armadaBlockOf,
  blockBegin,
  blockEnd,
  configTxtProblems,
  withArmadaBlock,
} from '../../../src/seed/config-txt-block.js';

const at = (...lines: string[]) => lines.map((line) => ({ where: '--config-txt', line }));

describe('configTxtProblems', () => {
  test('key=value, [section] filters, comments and blank lines are accepted', () => {
    expect(
      configTxtProblems(
        at(
          'dtoverlay=vc4-kms-v3d',
          'dtoverlay=w1-gpio,gpiopin=4',
          'dtparam=i2c_arm=on',
          'gpu_mem=128',
          '[pi4]',
          'hdmi_force_hotplug=1',
          '[all]',
          '# a HAT',
          '',
          'device_tree=bcm2711-rpi-cm4-io.dtb',
        ),
      ),
    ).toEqual([]);
  });

  test.each([
    ['kernel=kernel8.img', /kernel= is armada's: .*vmlinuz/],
    ['ramfsfile=initrd', /initrd\.img/],
    ['cmdline=other.txt', /cmdline\.txt carries the root partition/],
    ['os_prefix=next/', /look for the kernel/],
    ['arm_64bit=0', /architecture of the image/],
    ['ARM_64BIT=1', /architecture of the image/],
    ['upstream_kernel=0', /device trees/],
    ['start_file=start4x.elf', /firmware files/],
    ['device_tree=bcm2710-rpi-3-b.dtb', /may name only a device tree the image boots with/],
    ['device_tree=', /may name only/],
    ['initramfs initrd.img followkernel', /neither key=value/],
    ['include extra.txt', /neither key=value/],
    ['dtoverlay', /neither key=value/],
    ['[pi4', /neither key=value/],
    ['gpu_mem=128\nkernel=x', /line break/],
  ])('%j is refused', (line, why) => {
    const problems = configTxtProblems(at(line));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ where: '--config-txt', line });
    expect(problems[0].message).toMatch(why);
  });

  test('every refused line is listed, with where it came from', () => {
    const problems = configTxtProblems([
      { where: 'hat.txt:3', line: 'kernel=x' },
      { where: '--config-txt', line: 'gpu_mem=64' },
      { where: '--config-txt', line: 'nope' },
    ]);
    expect(problems.map((p) => p.where)).toEqual(['hat.txt:3', '--config-txt']);
  });
});

describe('withArmadaBlock', () => {
  const image = 'arm_64bit=1\nkernel=vmlinuz\n[cm4]\ndevice_tree=bcm2711-rpi-cm4-io.dtb\n[all]\n';

  test('appended after the image lines, opening with [all] so no section of theirs applies', () => {
    const out = withArmadaBlock(image, ['[pi4]', 'gpu_mem=128']);
    expect(out).toBe(`${image}${blockBegin}\n[all]\n[pi4]\ngpu_mem=128\n${blockEnd}\n`);
    expect(armadaBlockOf(out)).toEqual(['[pi4]', 'gpu_mem=128']);
  });

  test('a re-seed replaces the block, never adds a second; no lines remove it', () => {
    const once = withArmadaBlock(image, ['gpu_mem=128']);
    const twice = withArmadaBlock(once, ['dtoverlay=rpi-sense']);
    expect(twice.split(blockBegin)).toHaveLength(2);
    expect(armadaBlockOf(twice)).toEqual(['dtoverlay=rpi-sense']);
    expect(withArmadaBlock(withArmadaBlock(twice, ['dtoverlay=rpi-sense']), [])).toBe(image);
    expect(armadaBlockOf(image)).toBeUndefined();
  });

  test('lines a user added after the block stay, and CRLF files stay CRLF', () => {
    const edited = withArmadaBlock(image, ['gpu_mem=128']) + 'hdmi_group=2\n';
    expect(withArmadaBlock(edited, ['gpu_mem=64'])).toBe(
      `${image}hdmi_group=2\n${blockBegin}\n[all]\ngpu_mem=64\n${blockEnd}\n`,
    );
    const crlf = image.replace(/\n/g, '\r\n');
    expect(withArmadaBlock(crlf, ['gpu_mem=64'])).toBe(
      `${crlf}${blockBegin}\r\n[all]\r\ngpu_mem=64\r\n${blockEnd}\r\n`,
    );
  });
});
