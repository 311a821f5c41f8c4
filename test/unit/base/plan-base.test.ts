import { describe, expect, it } from 'vitest';
import { planBase, type BaseFacts } from '../../../src/base/plan-base.js';
import { fixCmdline } from '../../../src/base/plan-cmdline.js';
import { lockKnownPasswords } from '../../../src/base/plan-default-user.js';
import { familyOfRelease, kernelFiles, pairKernels } from '../../../src/base/plan-kernels.js';
import { detectFirstBootStyle } from '../../../src/base/plan-style.js';
import { cmdlineDisables } from '../../../src/kernel/check.js';
import { loadRequirements } from '../../../src/kernel/requirements.js';
import { sha512Crypt } from '../../../src/seed/sha512-crypt.js';

// cmdline.txt as the releases ship it (PARTUUIDs of the published images).
const bullseye =
  'console=serial0,115200 console=tty1 root=PARTUUID=ea7d04d6-02 rootfstype=ext4 fsck.repair=yes rootwait quiet init=/usr/lib/raspi-config/init_resize.sh\n';
const bookworm =
  'console=serial0,115200 console=tty1 root=PARTUUID=4e639091-02 rootfstype=ext4 fsck.repair=yes rootwait quiet init=/usr/lib/raspberrypi-sys-mods/firstboot splash plymouth.ignore-serial-consoles cfg80211.ieee80211_regdom=GB\n';
const imager =
  bookworm.trim() +
  ' systemd.run=/boot/firstrun.sh systemd.run_success_action=reboot systemd.unit=kernel-command-line.target\n';
const trixie =
  'console=serial0,115200 console=tty1 root=PARTUUID=1d7b5cb2-02 rootfstype=ext4 fsck.repair=yes rootwait quiet splash plymouth.ignore-serial-consoles ds=nocloud\n';
const memoryRule = loadRequirements().cmdline.find((r) => r.id === 'memory-cgroup')!;

describe('detectFirstBootStyle', () => {
  const none = { bootFiles: [], rootPaths: [] };
  it.each([
    ['bullseye init_resize', bullseye, 'sys-mods'],
    ['bookworm sys-mods firstboot', bookworm, 'sys-mods'],
    ['bookworm with rpi-imager firstrun.sh', imager, 'sys-mods'],
    ['trixie cloud-init', trixie, 'cloud-init'],
    ['none', 'console=tty1 root=PARTUUID=1-02 rootwait\n', 'none'],
  ] as const)('%s', (_, cmdline, style) => {
    expect(detectFirstBootStyle({ cmdline, ...none }).style).toBe(style);
  });

  it('sees the style in boot files and root paths when cmdline.txt says nothing', () => {
    const cmdline = 'console=tty1 root=PARTUUID=1-02 rootwait';
    expect(
      detectFirstBootStyle({ cmdline, bootFiles: ['USERCONF.TXT'], rootPaths: [] }),
    ).toMatchObject({ style: 'sys-mods', evidence: { 'sys-mods': ['boot:userconf.txt'] } });
    expect(
      detectFirstBootStyle({ cmdline, bootFiles: [], rootPaths: ['/usr/bin/cloud-init'] }).style,
    ).toBe('cloud-init');
  });

  it('names cloud-init when both are there, and keeps the sys-mods evidence', () => {
    const d = detectFirstBootStyle({
      cmdline: trixie,
      bootFiles: ['user-data', 'userconf.txt'],
      rootPaths: ['/usr/lib/raspberrypi-sys-mods/firstboot'],
    });
    expect(d.style).toBe('cloud-init');
    expect(d.evidence['sys-mods']).toEqual([
      'boot:userconf.txt',
      'root:/usr/lib/raspberrypi-sys-mods/firstboot',
    ]);
  });
});

describe('fixCmdline', () => {
  it('turns the memory cgroup on and drops the first-boot hook, keeping the rest in order', () => {
    const fix = fixCmdline(bookworm);
    expect(fix.text).toBe(
      'console=serial0,115200 console=tty1 root=PARTUUID=4e639091-02 rootfstype=ext4 fsck.repair=yes rootwait quiet splash plymouth.ignore-serial-consoles cfg80211.ieee80211_regdom=GB cgroup_enable=memory cgroup_memory=1\n',
    );
    expect(fix.removed).toEqual(['init=/usr/lib/raspberrypi-sys-mods/firstboot']);
    expect(cmdlineDisables(fix.text, memoryRule)).toBe(false);
  });

  it("drops rpi-imager's firstrun.sh parameters and cloud-init's NoCloud source", () => {
    expect(fixCmdline(imager).removed).toEqual([
      'init=/usr/lib/raspberrypi-sys-mods/firstboot',
      'systemd.run=/boot/firstrun.sh',
      'systemd.run_success_action=reboot',
      'systemd.unit=kernel-command-line.target',
    ]);
    expect(fixCmdline(trixie).text).not.toContain('ds=');
  });

  it('removes an explicit cgroup_disable=memory, keeps quoted values and reads only line one', () => {
    const fix = fixCmdline('root=PARTUUID=1-02 cgroup_disable=memory foo="a b" rootwait\nignored');
    expect(fix.text).toBe(
      'root=PARTUUID=1-02 foo="a b" rootwait cgroup_enable=memory cgroup_memory=1\n',
    );
    expect(cmdlineDisables(fix.text, memoryRule)).toBe(false);
  });

  it('is idempotent', () => {
    const once = fixCmdline(bookworm).text;
    const twice = fixCmdline(once);
    expect(twice).toEqual({ text: once, removed: [], added: [] });
  });
});

describe('kernel families', () => {
  it.each([
    ['6.6.51+rpt-rpi-v8', 'v8'],
    ['6.6.51+rpt-rpi-2712', '2712'],
    ['6.6.51+rpt-rpi-v7l', 'v7l'],
    ['6.6.51+rpt-rpi-v7', 'v7'],
    ['6.6.51+rpt-rpi-v6', 'v6'],
    ['5.15.84-v8+', 'v8'],
    ['5.15.84-v7l+', 'v7l'],
    ['5.15.84-v7+', 'v7'],
    ['5.15.84+', 'v6'],
    ['6.12.57+deb13-arm64', undefined],
  ])('%s → %s', (release, family) => {
    expect(familyOfRelease(release)).toBe(family);
  });

  it("pairs each kernel file with its family's newest release", () => {
    const files = kernelFiles(
      ['bootcode.bin', 'kernel8.img', 'kernel_2712.img', 'kernel7l.img', 'config.txt'],
      '',
    );
    expect(files).toEqual(['kernel7l.img', 'kernel8.img', 'kernel_2712.img']);
    const pairs = pairKernels(files, [
      '6.6.51+rpt-rpi-v8',
      '6.6.62+rpt-rpi-v8',
      '6.6.62+rpt-rpi-2712',
    ]);
    expect(pairs.map((p) => [p.file, p.ok, p.ok ? p.release : p.reason])).toEqual([
      [
        'kernel7l.img',
        false,
        'no kernel release in the root filesystem belongs to kernel7l.img (found: 6.6.51+rpt-rpi-v8, 6.6.62+rpt-rpi-v8, 6.6.62+rpt-rpi-2712)',
      ],
      ['kernel8.img', true, '6.6.62+rpt-rpi-v8'],
      ['kernel_2712.img', true, '6.6.62+rpt-rpi-2712'],
    ]);
  });

  it('lets one distribution kernel serve every kernel file, and a config.txt kernel= name', () => {
    const files = kernelFiles(['kernel8.img', 'vmlinuz'], '[all]\nkernel=vmlinuz\n');
    expect(files).toEqual(['kernel8.img', 'vmlinuz']);
    const pairs = pairKernels(files, ['6.12.57+deb13-arm64']);
    expect(pairs.every((p) => p.ok && p.release === '6.12.57+deb13-arm64')).toBe(true);
    expect(
      pairKernels(['kernel8.img'], ['6.12.57+deb13-arm64', '6.1.0-30-arm64'])[0],
    ).toMatchObject({ ok: false });
  });
});

const passwd =
  'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\npi:x:1000:1000:,,,:/home/pi:/bin/bash\nann:x:1001:1001::/home/ann:/bin/bash\nbob:x:1002:1002::/home/bob:/bin/bash\n';

describe('lockKnownPasswords', () => {
  it("locks the default user's known password and nothing else", () => {
    const pi = sha512Crypt('raspberry', 'saltsalt');
    const ann = sha512Crypt('something else', 'saltsalt');
    const shadow = `root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\npi:${pi}:19000:0:99999:7:::\nann:${ann}:19000:0:99999:7:::\nbob:$y$j9T$abc$def:19000:0:99999:7:::\n`;
    const r = lockKnownPasswords(shadow, passwd);
    expect(r.locked).toEqual([{ user: 'pi', why: "password 'raspberry'" }]);
    expect(r.unchecked).toEqual(['bob']);
    expect(r.text).toContain('\npi:!:19000:0:99999:7:::\n');
    expect(r.text).toContain(`\nann:${ann}:`);
    expect(r.text.split('\n')).toHaveLength(shadow.split('\n').length);
  });
});

describe('planBase', () => {
  const facts = (over: Partial<BaseFacts>): BaseFacts => ({
    cmdline: bookworm,
    configTxt: '[all]\n',
    bootFiles: ['kernel8.img', 'cmdline.txt', 'config.txt', 'userconf.txt'],
    rootPaths: ['/usr/lib/raspberrypi-sys-mods/firstboot'],
    kernelReleases: ['6.12.57+deb13-arm64'],
    passwd,
    shadow: `pi:${sha512Crypt('raspberry', 'x')}:19000:0:99999:7:::\n`,
    ...over,
  });

  it('sys-mods: cmdline, userconf.txt, masked units and the default user, each recorded', () => {
    const p = planBase(facts({}));
    expect(p.detection.style).toBe('sys-mods');
    expect(p.changes.map((c) => `${c.where}:${c.path}`)).toEqual([
      'bootfs:/cmdline.txt',
      'bootfs:/userconf.txt',
      'rootfs:/etc/systemd/system/userconfig.service',
      'rootfs:/etc/systemd/system/regenerate_ssh_host_keys.service',
      'rootfs:/etc/systemd/system/resize2fs_once.service',
      'rootfs:/etc/shadow',
    ]);
    expect(p.takeover.rootFiles).toEqual([]);
  });

  it('cloud-init: its boot files go, cloud-init.disabled is written, no unit is masked', () => {
    const p = planBase(
      facts({
        cmdline: trixie,
        bootFiles: ['kernel8.img', 'user-data', 'network-config', 'meta-data'],
        rootPaths: ['/etc/cloud/cloud.cfg'],
        shadow: '',
      }),
    );
    expect(p.detection.style).toBe('cloud-init');
    expect(p.takeover).toMatchObject({
      deleteBootFiles: ['user-data', 'network-config', 'meta-data'],
      maskUnits: [],
      rootFiles: [{ path: '/etc/cloud/cloud-init.disabled' }],
    });
  });

  it('none: only the memory cgroup is added', () => {
    const p = planBase(
      facts({
        cmdline: 'root=PARTUUID=1-02 rootwait',
        bootFiles: ['kernel8.img'],
        rootPaths: [],
        shadow: '',
      }),
    );
    expect(p.detection.style).toBe('none');
    expect(p.changes).toEqual([
      { where: 'bootfs', path: '/cmdline.txt', what: 'added cgroup_enable=memory cgroup_memory=1' },
    ]);
  });
});
