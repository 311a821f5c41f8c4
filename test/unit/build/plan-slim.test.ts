import { describe, expect, it } from 'vitest';
import {
  bootLinks,
  bootLinksGroup,
  dpkgConfig,
  excludedBy,
  globRegExp,
  moduleName,
  slimGroups,
  slimRules,
  walkRoots,
} from '../../../src/build/plan-slim.js';
import { slimRecord } from '../../../src/build/manifest.js';
import { piModels } from '../../../src/image/pi-models.js';
import { bootInitrd, bootKernel, configTxt, planLayout } from '../../../src/image/plan-image.js';

describe('dpkg path filters', () => {
  it("match like dpkg's fnmatch: '*' crosses directories", () => {
    expect(globRegExp('/usr/share/doc/*').test('/usr/share/doc/bash/README.gz')).toBe(true);
    expect(globRegExp('/usr/share/doc/*/copyright').test('/usr/share/doc/a/b/copyright')).toBe(
      true,
    );
    expect(globRegExp('/usr/lib/linux-image-*').test('/usr/lib/linux-image-6.12/qcom/x.dtb')).toBe(
      true,
    );
    expect(globRegExp('/a/b?.[ch]').test('/a/bx.c')).toBe(true);
    expect(globRegExp('/a/b?.[!ch]').test('/a/bx.c')).toBe(false);
    expect(globRegExp('/a.b/*').test('/axb/c')).toBe(false);
  });

  it('let the last matching rule decide', () => {
    const rules = slimRules();
    expect(excludedBy('/usr/share/doc/docker.io/README.md.gz', rules)).toBe('docs');
    expect(excludedBy('/usr/share/doc/docker.io/copyright', rules)).toBeUndefined();
    expect(excludedBy('/usr/share/locale/de/LC_MESSAGES/apt.mo', rules)).toBe('translations');
    expect(excludedBy('/usr/share/locale/locale.alias', rules)).toBeUndefined();
    expect(excludedBy('/usr/share/i18n/locales/de_DE', rules)).toBeUndefined();
    expect(
      excludedBy('/usr/lib/modules/6.12.1/kernel/drivers/media/platform/qcom/venus/v.ko.xz', rules),
    ).toBe('pci-media-and-other-soc-codecs');
    expect(
      excludedBy('/usr/lib/modules/6.12.1/kernel/drivers/media/platform/broadcom/u.ko.xz', rules),
    ).toBeUndefined();
    expect(
      excludedBy('/usr/lib/linux-image-6.12.1/broadcom/bcm2837-rpi-3-b.dtb', rules),
    ).toBeUndefined();
    // armhf kernels before 6.5 install their device trees flat.
    expect(
      excludedBy('/usr/lib/linux-image-6.1.0-30-armmp/bcm2837-rpi-3-b.dtb', rules),
    ).toBeUndefined();
    expect(excludedBy('/usr/lib/linux-image-6.1.0-30-armmp/imx6q-sabrelite.dtb', rules)).toBe(
      'other-soc-device-trees',
    );
    expect(excludedBy('/usr/bin/dockerd', rules)).toBeUndefined();
  });

  it("leave out the firmware's debug builds and keep what every claimed model starts", () => {
    const rules = slimRules();
    expect(excludedBy('/usr/lib/raspi-firmware/start_db.elf', rules)).toBe('debug-firmware');
    expect(excludedBy('/usr/lib/raspi-firmware/start4db.elf', rules)).toBe('debug-firmware');
    expect(excludedBy('/usr/lib/raspi-firmware/fixup4db.dat', rules)).toBe('debug-firmware');
    // gpu_mem=16 selects the cut-down build, start_x=1 the camera build: both stay.
    for (const kept of [
      'start_cd.elf',
      'fixup4cd.dat',
      'start_x.elf',
      'start4x.elf',
      'fixup_x.dat',
    ])
      expect(excludedBy(`/usr/lib/raspi-firmware/${kept}`, rules)).toBeUndefined();
    const needed = piModels.filter((m) => m.claimed).flatMap((m) => m.firmware);
    expect(needed).toContain('start4.elf');
    for (const f of needed)
      expect(excludedBy(`/usr/lib/raspi-firmware/${f}`, rules)).toBeUndefined();
  });

  it('walk only the directories the exclusions can reach', () => {
    expect(walkRoots(slimRules())).toEqual([
      '/usr/lib',
      '/usr/share/doc',
      '/usr/share/info',
      '/usr/share/lintian',
      '/usr/share/locale',
      '/usr/share/man',
    ]);
  });

  it('write a dpkg.cfg.d file with each group and its reason', () => {
    const text = dpkgConfig();
    expect(text).toContain(
      'path-exclude=/usr/share/doc/*\npath-include=/usr/share/doc/*/copyright',
    );
    for (const g of slimGroups) expect(text).toContain(`# ${g.name}: ${g.why}`);
  });

  it('read module names as modprobe takes them', () => {
    expect(moduleName('/usr/lib/modules/6.12/kernel/drivers/x/snd-soc-core.ko.xz')).toBe(
      'snd_soc_core',
    );
    expect(moduleName('/usr/lib/modules/6.12/kernel/fs/overlayfs/overlay.ko')).toBe('overlay');
    expect(moduleName('/usr/lib/modules/6.12/modules.dep')).toBeUndefined();
  });
});

describe('boot partition links', () => {
  it("point the root's kernel and initramfs at the boot partition's copies config.txt names", () => {
    expect(bootLinks('6.12.1+deb13-arm64')).toEqual([
      { path: '/boot/vmlinuz-6.12.1+deb13-arm64', target: `firmware/${bootKernel}` },
      { path: '/boot/initrd.img-6.12.1+deb13-arm64', target: `firmware/${bootInitrd}` },
    ]);
    const layout = planLayout({
      seed: 's',
      bootSizeMiB: 256,
      rootContentBytes: 1 << 20,
      rootInodes: 10,
      headroomMiB: 64,
    });
    const txt = configTxt({ layout, arch: 'arm64' });
    expect(txt).toContain(`kernel=${bootKernel}\n`);
    expect(txt).toContain(`initramfs ${bootInitrd} followkernel`);
  });

  it('count in the manifest as one more slim group', () => {
    const slim = { files: 3, bytes: 30, groups: { docs: { files: 3, bytes: 30 } } };
    expect(slimRecord(slim, undefined)).toBe(slim);
    expect(slimRecord(slim, { files: 2, bytes: 50 })).toEqual({
      files: 5,
      bytes: 80,
      groups: { docs: { files: 3, bytes: 30 }, [bootLinksGroup.name]: { files: 2, bytes: 50 } },
    });
  });
});

describe('worthDescending', () => {
  it('walks only directories an exclusion can reach', async () => {
    const { worthDescending } = await import('../../../src/build/plan-slim.js');
    const descend = worthDescending(slimRules());
    expect(descend('/usr/lib/aarch64-linux-gnu')).toBe(false);
    expect(descend('/usr/lib/systemd')).toBe(false);
    expect(descend('/usr/lib/modules')).toBe(true);
    expect(descend('/usr/lib/modules/6.12.1/kernel/sound')).toBe(true);
    expect(descend('/usr/lib/linux-image-6.12.1')).toBe(true);
    expect(descend('/usr/share/doc/bash')).toBe(true);
  });
});
