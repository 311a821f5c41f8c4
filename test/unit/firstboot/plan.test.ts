import { describe, expect, test } from 'vitest';
import {
  firstBootFailed,
  firstBootFinished,
  firstBootPaths,
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
  test.each(plan.files.map((f) => [f.path, f]))('%s', (_path, f) => {
    expect(String(f.content)).toMatchSnapshot();
  });

  test('paths, modes and enable symlinks', () => {
    expect(plan.files.map((f) => `${f.mode.toString(8)} ${f.path}`)).toMatchSnapshot();
    expect(plan.symlinks.map((s) => `${s.path} -> ${s.target}`)).toMatchSnapshot();
    expect(new Set(plan.files.map((f) => f.path)).size).toBe(plan.files.length);
    for (const f of plan.files) {
      expect(f.path).toMatch(/^\/[^.]/);
      expect(f.mode).toBe(f.path.endsWith('.sh') ? 0o755 : 0o644);
      expect(String(f.content)).not.toMatch(/\{\{|\}\}/);
    }
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
