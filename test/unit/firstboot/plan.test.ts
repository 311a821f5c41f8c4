import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import {
  firstBootFailed,
  firstBootFinished,
  firstBootPaths,
  planFirstBoot,
  planFirstBootFiles,
} from '../../../src/firstboot/plan.js';
import { render } from '../../../src/firstboot/render.js';
import { InternalError } from '../../../src/errors.js';

const plan = planFirstBootFiles({
  armadaVersion: '1.2.3',
  insecureTcp: false,
  builtAt: '2026-01-02T03:04:05Z',
});
const insecure = planFirstBootFiles({ armadaVersion: '1.2.3', insecureTcp: true });
const file = (path: string, p = plan) => {
  const f = p.files.find((x) => x.path === path);
  if (!f) throw new Error(`${path} is not planned`);
  return String(f.content);
};

describe('planFirstBootFiles', () => {
  // Explicit assertions instead of a snapshot of every rendered file: a snapshot is a second copy
  // of the templates that each shell edit must update, and it says nothing about what matters.
  test('paths and modes', () => {
    expect(plan.files.map((f) => `${f.mode.toString(8)} ${f.path}`)).toEqual([
      '755 /usr/local/lib/armada/firstboot.sh',
      '755 /usr/local/lib/armada/update-resolv-conf.sh',
      '644 /etc/systemd/system/armada-firstboot.service',
      '644 /etc/systemd/system/armada-runcmd.service',
      '644 /etc/systemd/system/armada-interfaces.service',
      '644 /etc/systemd/system/armada-resolv.path',
      '644 /etc/systemd/system/armada-resolv.service',
      '644 /etc/systemd/system/armada-swarm-hint.service',
      '644 /etc/systemd/system/armada-swarm-hint.timer',
      '644 /etc/systemd/system/armada-docker-insecure.socket',
      '644 /etc/systemd/system/armada-docker-insecure.service',
      '644 /etc/systemd/system/docker.service.d/armada.conf',
      '644 /etc/docker/daemon.json',
      '644 /etc/avahi/services/docker.service',
      '644 /etc/systemd/network/90-armada-ethernet.network',
      '644 /etc/resolv.conf',
      '644 /etc/armada/image.env',
      '644 /etc/apt/apt.conf.d/21armada-auto-upgrades',
      '644 /etc/apt/apt.conf.d/52armada-security-updates',
      '644 /etc/systemd/journald.conf.d/50-armada.conf',
    ]);
    for (const f of plan.files) {
      // Every template rendered completely and says which armada made it.
      expect(String(f.content)).not.toMatch(/\{\{|\}\}/);
      if (!f.path.endsWith('.json')) expect(String(f.content)).toContain('1.2.3');
    }
  });

  test('enable symlinks', () => {
    const units = '/etc/systemd/system';
    expect(plan.symlinks.map((s) => `${s.path} -> ${s.target}`)).toEqual([
      `${units}/multi-user.target.wants/armada-firstboot.service -> ${units}/armada-firstboot.service`,
      `${units}/multi-user.target.wants/armada-runcmd.service -> ${units}/armada-runcmd.service`,
      `${units}/multi-user.target.wants/armada-interfaces.service -> ${units}/armada-interfaces.service`,
      `${units}/multi-user.target.wants/armada-resolv.path -> ${units}/armada-resolv.path`,
      `${units}/timers.target.wants/armada-swarm-hint.timer -> ${units}/armada-swarm-hint.timer`,
      `${units}/multi-user.target.wants/systemd-networkd.service -> /lib/systemd/system/systemd-networkd.service`,
      `${units}/sockets.target.wants/systemd-networkd.socket -> /lib/systemd/system/systemd-networkd.socket`,
      `${units}/dbus-org.freedesktop.network1.service -> /lib/systemd/system/systemd-networkd.service`,
      `${units}/systemd-firstboot.service -> /dev/null`,
    ]);
  });

  test('the plan renders once into the parts the build steps write; together they are the whole plan', () => {
    for (const whole of [plan, insecure]) {
      const opts = {
        armadaVersion: '1.2.3',
        insecureTcp: whole === insecure,
        builtAt: '2026-01-02T03:04:05Z',
      };
      const full = planFirstBootFiles(opts);
      const { docker, firstboot: rest } = planFirstBoot(opts);
      expect([...rest.files, ...docker.files].map((f) => f.path).sort()).toEqual(
        full.files.map((f) => f.path).sort(),
      );
      expect([...rest.symlinks, ...docker.symlinks]).toEqual(full.symlinks);
      expect(docker.files.map((f) => f.path)).toEqual([
        '/etc/systemd/system/armada-docker-insecure.socket',
        '/etc/systemd/system/armada-docker-insecure.service',
        '/etc/systemd/system/docker.service.d/armada.conf',
        '/etc/docker/daemon.json',
      ]);
      expect(docker.symlinks.map((s) => s.target)).toEqual(
        whole === insecure ? ['/etc/systemd/system/armada-docker-insecure.socket'] : [],
      );
    }
  });

  test('the first-boot script: POSIX sh, every part included, steps by name', () => {
    const script = file(firstBootPaths.script);
    expect(script.startsWith('#!/bin/sh\n# armada 1.2.3 first boot.')).toBe(true);
    expect(script).toMatch(/^set -u$/m);
    expect(script).toContain("BUILT_VERSION='1.2.3'");
    expect(script).toContain(`DONE_FILE=$STATE_DIR/firstboot.done`);
    // The script and each partial (seed-parser, checks, system, seed, files, tls, report).
    for (const fn of [
      'run_step',
      'armada_parse_env',
      'load_settings',
      'grow_root',
      'write_sshd_dropin',
      'apply_write_files',
      'tls_check',
      'setup_docker',
      'apply_updates',
    ])
      expect(script).toMatch(new RegExp(`^${fn}\\(\\) \\{`, 'm'));
    const syntax = spawnSync('sh', ['-n'], { input: script, encoding: 'utf8' });
    expect(syntax.stderr).toBe('');
    expect(syntax.status).toBe(0);
  });

  test('DNS: resolv.conf follows networkd through a path unit and a script', () => {
    expect(file('/etc/resolv.conf')).toMatch(/^# armada 1\.2\.3: rewritten by /);
    expect(file('/etc/resolv.conf')).not.toMatch(/^nameserver/m);
    const path = file('/etc/systemd/system/armada-resolv.path');
    expect(path).toMatch(/^PathChanged=\/run\/systemd\/netif\/links$/m);
    expect(path).toMatch(/^Unit=armada-resolv\.service$/m);
    expect(file('/etc/systemd/system/armada-resolv.service')).toContain(
      '/usr/local/lib/armada/update-resolv-conf.sh',
    );
    expect(file('/usr/local/lib/armada/update-resolv-conf.sh')).toMatch(/^#!\/bin\/sh$/m);
  });

  test('runcmd runs once after first boot with Docker and the network up', () => {
    const unit = file('/etc/systemd/system/armada-runcmd.service');
    expect(unit).toMatch(/^ConditionPathExists=\/var\/lib\/armada\/runcmd\.sh$/m);
    expect(unit).toMatch(/^After=armada-firstboot\.service network\.target docker\.service$/m);
    expect(unit).toMatch(/^ExecStart=\/usr\/local\/lib\/armada\/firstboot\.sh runcmd$/m);
  });

  test('image.env records version, insecure TCP and build time as KEY=value lines', () => {
    expect(
      file(firstBootPaths.imageEnv)
        .split('\n')
        .filter((l) => !l.startsWith('#')),
    ).toEqual([
      "ARMADA_VERSION='1.2.3'",
      "INSECURE_TCP='0'",
      "BUILT_AT='2026-01-02T03:04:05Z'",
      '',
    ]);
  });

  test('first boot is enabled and ordered before the services that need its results', () => {
    expect(plan.symlinks).toContainEqual({
      path: '/etc/systemd/system/multi-user.target.wants/armada-firstboot.service',
      target: firstBootPaths.unit,
    });
    const unit = file(firstBootPaths.unit);
    expect(unit).toMatch(/^Type=oneshot$/m);
    expect(unit).toMatch(/^RemainAfterExit=yes$/m);
    expect(unit).toMatch(/^ConditionPathExists=\|!\/var\/lib\/armada\/firstboot\.done$/m);
    expect(unit).toMatch(/^RequiresMountsFor=\/boot\/firmware/m);
    expect(unit).toMatch(/^StandardOutput=journal\+console$/m);
    for (const before of [
      'docker.service',
      'ssh.service',
      'avahi-daemon.service',
      'systemd-networkd.service',
    ])
      expect(unit).toMatch(new RegExp(`^Before=.*\\b${before.replace('.', '\\.')}\\b`, 'm'));
    // A socket unit is started before basic.target, which this unit comes after: a cycle.
    expect(unit).not.toMatch(/^Before=.*\.socket/m);
  });

  test('armada-interfaces.service reports the addresses after networkd, once per first-boot run', () => {
    expect(plan.symlinks).toContainEqual({
      path: '/etc/systemd/system/multi-user.target.wants/armada-interfaces.service',
      target: '/etc/systemd/system/armada-interfaces.service',
    });
    const unit = file('/etc/systemd/system/armada-interfaces.service');
    expect(unit).toMatch(/^After=armada-firstboot\.service systemd-networkd\.service$/m);
    expect(unit).toMatch(/^ConditionPathExists=\/var\/lib\/armada\/interfaces\.pending$/m);
    expect(unit).toMatch(/^ExecStart=\/usr\/local\/lib\/armada\/firstboot\.sh interfaces$/m);
    // Not before docker or anything else: a link without a cable must not hold up the boot.
    expect(unit).not.toMatch(/^Before=/m);
    expect(file(firstBootPaths.script)).toMatch(/^ {2}interfaces\) report_interfaces ;;$/m);
  });

  test('systemd-firstboot is masked, networkd enabled without wait-online', () => {
    expect(plan.symlinks).toContainEqual({
      path: '/etc/systemd/system/systemd-firstboot.service',
      target: '/dev/null',
    });
    expect(plan.symlinks.map((s) => s.path)).toContain(
      '/etc/systemd/system/multi-user.target.wants/systemd-networkd.service',
    );
    expect(plan.symlinks.map((s) => s.path).join()).not.toContain('wait-online');
  });

  test('daemon.json: TLS with client verification, no hosts (they are in the drop-in)', () => {
    const json = JSON.parse(file('/etc/docker/daemon.json')) as Record<string, unknown>;
    expect(json).toMatchObject({
      'storage-driver': 'overlay2',
      tls: true,
      tlsverify: true,
      tlscacert: '/etc/docker/tls/ca.pem',
      tlscert: '/etc/docker/tls/server.pem',
      tlskey: '/etc/docker/tls/server-key.pem',
    });
    expect(json).not.toHaveProperty('hosts');
  });

  test('daemon.json: live-restore (an upgrade restarts dockerd, not the containers), logs rotated', () => {
    const json = JSON.parse(file('/etc/docker/daemon.json')) as Record<string, unknown>;
    expect(json['live-restore']).toBe(true);
    expect(json).toMatchObject({
      'log-driver': 'json-file',
      'log-opts': { 'max-size': '10m', 'max-file': '3' },
    });
    // First boot's edit (setup_docker) finds the key in the form its sed expects.
    expect(file('/etc/docker/daemon.json')).toMatch(/"live-restore": true/);
  });

  test('journald: volatile, capped in RAM and, if made persistent, on the card', () => {
    const conf = file(firstBootPaths.journald);
    const keys = conf.split('\n').filter((l) => /^[A-Za-z[]/.test(l));
    expect(keys).toEqual([
      '[Journal]',
      'Storage=volatile',
      'RuntimeMaxUse=16M',
      'SystemMaxUse=64M',
      'SystemMaxFileSize=8M',
    ]);
  });

  test('unattended-upgrades: the security suite only, never a reboot; on in the image', () => {
    const conf = file(firstBootPaths.securityUpdates);
    const lines = conf.split('\n').filter((l) => l && !l.startsWith('//'));
    // The package's 50unattended-upgrades also allows the main suite (point releases): cleared.
    expect(lines.slice(0, 2)).toEqual([
      '#clear Unattended-Upgrade::Origins-Pattern;',
      '#clear Unattended-Upgrade::Allowed-Origins;',
    ]);
    const patterns = /Unattended-Upgrade::Origins-Pattern \{\n([\s\S]*?)\n\};/.exec(conf)![1];
    expect(patterns.trim().split('\n')).toEqual([
      '"origin=Debian,codename=${distro_codename}-security,label=Debian-Security";',
    ]);
    expect(conf).toContain('Unattended-Upgrade::Automatic-Reboot "false";');
    expect(file(firstBootPaths.autoUpgrades)).toMatch(
      /^APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";$/m,
    );
    // Sorted after the package's own files, so these settings win.
    expect(firstBootPaths.autoUpgrades > '/etc/apt/apt.conf.d/20auto-upgrades').toBe(true);
    expect(firstBootPaths.securityUpdates > '/etc/apt/apt.conf.d/50unattended-upgrades').toBe(true);
    // First boot rewrites the switches at the path the plan writes.
    expect(file(firstBootPaths.script)).toContain(
      `APT_AUTO_UPGRADES=${firstBootPaths.autoUpgrades}\n`,
    );
  });

  test('docker drop-in: ExecStart reset, 2376 only, never without TLS material', () => {
    const conf = file('/etc/systemd/system/docker.service.d/armada.conf');
    const execStarts = conf.match(/^ExecStart=.*$/gm);
    expect(execStarts).toEqual([
      'ExecStart=',
      'ExecStart=/usr/sbin/dockerd -H fd:// -H tcp://0.0.0.0:2376 --containerd=/run/containerd/containerd.sock',
    ]);
    expect(conf).toMatch(/^ConditionPathExists=\/etc\/docker\/tls\/server-key\.pem$/m);
    expect(conf).toMatch(/^After=armada-firstboot\.service$/m);
    expect(file('/etc/systemd/system/docker.service.d/armada.conf', insecure)).toBe(conf);
  });

  test('insecure TCP: a proxy socket on 2375, enabled only when asked for, recorded in image.env', () => {
    const enabled = '/etc/systemd/system/multi-user.target.wants/armada-docker-insecure.socket';
    expect(plan.symlinks.map((s) => s.path)).not.toContain(enabled);
    expect(insecure.symlinks.map((s) => s.path)).toContain(enabled);
    expect(file('/etc/systemd/system/armada-docker-insecure.socket')).toMatch(
      /^ListenStream=2375$/m,
    );
    expect(file('/etc/systemd/system/armada-docker-insecure.socket')).toMatch(
      /^ConditionPathExists=\/etc\/docker\/tls\/server-key\.pem$/m,
    );
    expect(file(firstBootPaths.imageEnv)).toContain("INSECURE_TCP='0'");
    expect(file(firstBootPaths.imageEnv, insecure)).toContain("INSECURE_TCP='1'");
    expect(file(firstBootPaths.imageEnv, insecure)).not.toContain('BUILT_AT');
  });

  test('avahi announces _docker._tcp on 2376 with tls=1 and the version', () => {
    const xml = file('/etc/avahi/services/docker.service');
    expect(xml).toContain('<name replace-wildcards="yes">%h</name>');
    expect(xml).toContain('<type>_docker._tcp</type>');
    expect(xml).toContain('<port>2376</port>');
    expect(xml).toContain('<txt-record>tls=1</txt-record>');
    expect(xml).toContain('<txt-record>armada=1.2.3</txt-record>');
    // Until armada-swarm-hint.timer first asks the engine.
    expect(xml).toContain('<txt-record>swarm=none</txt-record>');
  });

  test('the swarm hint: a oneshot run by a timer, once a minute', () => {
    expect(file('/etc/systemd/system/armada-swarm-hint.service')).toMatch(
      /^ExecStart=\/usr\/local\/lib\/armada\/firstboot\.sh swarm-hint$/m,
    );
    const timer = file('/etc/systemd/system/armada-swarm-hint.timer');
    expect(timer).toMatch(/^OnUnitActiveSec=60s$/m);
    expect(timer).toMatch(/^WantedBy=timers\.target$/m);
    expect(file(firstBootPaths.script)).toMatch(/^ {2}swarm-hint\) swarm_hint ;;$/m);
    expect(file(firstBootPaths.script)).toContain('docker info 2>/dev/null | swarm_state');
  });

  test('Ethernet DHCP matches Pi, USB-adapter and QEMU interface names', () => {
    const net = file('/etc/systemd/network/90-armada-ethernet.network');
    // usb*: QEMU's usb-net (and some real adapters) come up as usb0 when cdc_subset binds first.
    expect(net).toMatch(/^Name=en\* eth\* usb\*$/m);
    expect(net).toMatch(/^DHCP=yes$/m);
  });

  test('values that would break a shell, XML or unit file are refused', () => {
    expect(() =>
      planFirstBootFiles({ armadaVersion: "1.0'; rm -rf /", insecureTcp: false }),
    ).toThrow(InternalError);
    expect(() =>
      planFirstBootFiles({ armadaVersion: '1.0</txt-record>', insecureTcp: false }),
    ).toThrow(InternalError);
    expect(() =>
      planFirstBootFiles({ armadaVersion: '1.0', insecureTcp: false, builtAt: '$(date)' }),
    ).toThrow(InternalError);
  });

  test('a template with a missing value fails instead of rendering an empty string', () => {
    expect(() => render('avahi/docker.service', {})).toThrow(/did not render/);
  });

  test('console patterns match what the script prints', () => {
    const script = file(firstBootPaths.script);
    expect(script).toContain('say "first boot finished in $(($(uptime_s) - START))s"');
    expect(firstBootFinished.exec('armada: first boot finished in 57s')?.[1]).toBe('57');
    expect(script).toContain('say "first boot FAILED in:$FAILED.');
    expect(
      firstBootFailed.exec('armada: first boot FAILED in: tls docker. It runs again')?.[1],
    ).toBe('tls docker');
  });
});
