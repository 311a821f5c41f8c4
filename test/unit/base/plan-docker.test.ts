import { describe, expect, it } from 'vitest';
import {
  aptInstallCommand,
  aptUpdateCommand,
  debianSourcesList,
  dockerPackages,
} from '../../../src/base/plan-docker.js';

describe('plan-docker', () => {
  it("installs the release's Docker packages and what first boot calls", () => {
    expect(dockerPackages('trixie')).toEqual(
      expect.arrayContaining([
        'docker.io',
        'containerd',
        'docker-compose',
        'openssl',
        'avahi-daemon',
        'fdisk',
      ]),
    );
    expect(dockerPackages('bookworm')).toContain('docker.io');
    expect(dockerPackages('bookworm')).not.toContain('docker-buildx');
    expect(dockerPackages('buster')).toBeUndefined();
  });

  it("runs apt inside the root, pointed at the chosen sources without touching the base's", () => {
    const [file, args] = aptUpdateCommand('/w/rootfs', 'base');
    expect(file).toBe('unshare');
    expect(args.slice(args.indexOf('/w/rootfs'))).toEqual([
      '/w/rootfs',
      'DEBIAN_FRONTEND=noninteractive',
      'LC_ALL=C.UTF-8',
      'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
      'apt-get',
      '-q',
      '-o',
      'Acquire::Retries=3',
      '-o',
      'Dpkg::Use-Pty=0',
      'update',
    ]);
    const debian = aptUpdateCommand('/w/rootfs', 'debian')[1];
    expect(debian).toContain('Dir::Etc::SourceList=/etc/apt/armada-debian.list');
    expect(debian).toContain('Dir::Etc::SourceParts=-');
    const local = aptInstallCommand('/w/rootfs', 'local', ['/var/cache/armada-debs/a.deb'])[1];
    expect(local).toContain('Dir::Etc::SourceList=/dev/null');
    // Offline: no network in the sandbox at all.
    expect(local).toContain('--net');
    expect(debian).not.toContain('--net');
    expect(local.slice(-4)).toEqual([
      'install',
      '-y',
      '--no-install-recommends',
      '/var/cache/armada-debs/a.deb',
    ]);
  });

  it("names the release and its -updates at the host's archive", () => {
    expect(debianSourcesList('http://mirror.example/debian', 'bookworm', ['main'])).toBe(
      'deb http://mirror.example/debian bookworm main\ndeb http://mirror.example/debian bookworm-updates main\n',
    );
  });
});
