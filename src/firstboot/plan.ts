/**
 * planFirstBootFiles: the device side of first boot as files and symlinks for the root
 * filesystem (the build writes them with applyFiles). Pure: templates rendered to strings.
 *
 * What runs on the card: armada-firstboot.service runs firstboot.sh before networking, Docker,
 * SSH and avahi; Docker's drop-in keeps it off until TLS material exists; armada-resolv.path
 * keeps /etc/resolv.conf in step with systemd-networkd (the image has no systemd-resolved);
 * armada-runcmd.service runs the seed's runcmd.sh once the network and Docker are up;
 * armada-interfaces.service adds the interfaces' addresses to status.json once networkd has them;
 * armada-swarm-hint.timer keeps the avahi record's swarm= TXT hint in step with the engine.
 * Card wear and patching: unattended-upgrades from the security suite only (apt.conf.d), and a
 * volatile, capped journal (journald.conf.d).
 */
import type { FileSpec, SymlinkSpec } from './apply-files.js';
import { InternalError } from '../errors.js';
import { systemNames } from '../seed/validate.js';
import { render, type TemplateName } from './render.js';

export interface FirstBootOptions {
  armadaVersion: string;
  /** Open the Docker API without TLS on 2375 on every card made from this image (loudly warned). */
  insecureTcp: boolean;
  /** ISO 8601 build time, recorded in /etc/armada/image.env. */
  builtAt?: string;
}

export interface FirstBootPlan {
  files: FileSpec[];
  symlinks: SymlinkSpec[];
}

const unitDir = '/etc/systemd/system';
/** Where Debian bookworm's packages put their units (/lib is /usr/lib on merged-/usr systems). */
const packageUnitDir = '/lib/systemd/system';

/** Paths on the device (root filesystem) and on the boot partition that tests and tools rely on. */
export const firstBootPaths = {
  script: '/usr/local/lib/armada/firstboot.sh',
  unit: `${unitDir}/armada-firstboot.service`,
  log: '/var/log/armada-firstboot.log',
  done: '/var/lib/armada/firstboot.done',
  stateDir: '/var/lib/armada',
  tlsDir: '/etc/docker/tls',
  imageEnv: '/etc/armada/image.env',
  /** APT::Periodic switches: security updates on or off, rewritten by first boot from the seed. */
  autoUpgrades: '/etc/apt/apt.conf.d/21armada-auto-upgrades',
  /** What unattended-upgrades installs: the security suite only, no automatic reboot. */
  securityUpdates: '/etc/apt/apt.conf.d/52armada-security-updates',
  /** journald: volatile, capped. */
  journald: '/etc/systemd/journald.conf.d/50-armada.conf',
  /** Relative to the FAT boot partition. */
  status: 'armada/status.json',
  clientBundle: 'armada/client',
} as const;

/** Console lines first boot prints at the end (serial console in QEMU): success and failure. */
export const firstBootFinished = /armada: first boot finished in (\d+)s/;
export const firstBootFailed = /armada: first boot FAILED in: ?([a-z -]+)\./;

/**
 * Which build step installs a file: configure-docker (the daemon, its TLS listener, the opt-in
 * 2375 socket) or install-firstboot (everything else).
 */
export type FirstBootPart = 'docker' | 'firstboot';

interface PlannedFile {
  path: string;
  mode: number;
  template: TemplateName;
  part?: FirstBootPart;
}

const plannedFiles: readonly PlannedFile[] = [
  { path: firstBootPaths.script, mode: 0o755, template: 'firstboot.sh' },
  {
    path: '/usr/local/lib/armada/update-resolv-conf.sh',
    mode: 0o755,
    template: 'update-resolv-conf.sh',
  },
  { path: firstBootPaths.unit, mode: 0o644, template: 'systemd/armada-firstboot.service' },
  {
    path: `${unitDir}/armada-runcmd.service`,
    mode: 0o644,
    template: 'systemd/armada-runcmd.service',
  },
  {
    path: `${unitDir}/armada-interfaces.service`,
    mode: 0o644,
    template: 'systemd/armada-interfaces.service',
  },
  { path: `${unitDir}/armada-resolv.path`, mode: 0o644, template: 'systemd/armada-resolv.path' },
  {
    path: `${unitDir}/armada-resolv.service`,
    mode: 0o644,
    template: 'systemd/armada-resolv.service',
  },
  {
    path: `${unitDir}/armada-swarm-hint.service`,
    mode: 0o644,
    template: 'systemd/armada-swarm-hint.service',
  },
  {
    path: `${unitDir}/armada-swarm-hint.timer`,
    mode: 0o644,
    template: 'systemd/armada-swarm-hint.timer',
  },
  {
    path: `${unitDir}/armada-docker-insecure.socket`,
    mode: 0o644,
    template: 'systemd/armada-docker-insecure.socket',
    part: 'docker',
  },
  {
    path: `${unitDir}/armada-docker-insecure.service`,
    mode: 0o644,
    template: 'systemd/armada-docker-insecure.service',
    part: 'docker',
  },
  {
    path: `${unitDir}/docker.service.d/armada.conf`,
    mode: 0o644,
    template: 'systemd/docker-armada.conf',
    part: 'docker',
  },
  { path: '/etc/docker/daemon.json', mode: 0o644, template: 'docker/daemon.json', part: 'docker' },
  { path: '/etc/avahi/services/docker.service', mode: 0o644, template: 'avahi/docker.service' },
  {
    path: '/etc/systemd/network/90-armada-ethernet.network',
    mode: 0o644,
    template: 'network/90-armada-ethernet.network',
  },
  { path: '/etc/resolv.conf', mode: 0o644, template: 'etc/resolv.conf' },
  { path: firstBootPaths.imageEnv, mode: 0o644, template: 'etc/image.env' },
  // After the package's 20auto-upgrades (which debconf may write either way) and
  // 50unattended-upgrades, so these settings win.
  { path: firstBootPaths.autoUpgrades, mode: 0o644, template: 'apt/auto-upgrades.conf' },
  { path: firstBootPaths.securityUpdates, mode: 0o644, template: 'apt/security-updates.conf' },
  { path: firstBootPaths.journald, mode: 0o644, template: 'journald/armada.conf' },
];

function enable(target: string, wantedBy: string): SymlinkSpec {
  const name = target.slice(target.lastIndexOf('/') + 1);
  return { path: `${unitDir}/${wantedBy}.wants/${name}`, target };
}

function planFirstBootSymlinks(insecureTcp: boolean): Record<FirstBootPart, SymlinkSpec[]> {
  const docker = insecureTcp
    ? [enable(`${unitDir}/armada-docker-insecure.socket`, 'multi-user.target')]
    : [];
  const firstboot = [
    enable(firstBootPaths.unit, 'multi-user.target'),
    enable(`${unitDir}/armada-runcmd.service`, 'multi-user.target'),
    enable(`${unitDir}/armada-interfaces.service`, 'multi-user.target'),
    enable(`${unitDir}/armada-resolv.path`, 'multi-user.target'),
    enable(`${unitDir}/armada-swarm-hint.timer`, 'timers.target'),
    // systemd-networkd as `systemctl enable` would, minus systemd-networkd-wait-online: nothing
    // here needs network-online, and it would hold boot for 2 minutes without a cable.
    enable(`${packageUnitDir}/systemd-networkd.service`, 'multi-user.target'),
    enable(`${packageUnitDir}/systemd-networkd.socket`, 'sockets.target'),
    {
      path: `${unitDir}/dbus-org.freedesktop.network1.service`,
      target: `${packageUnitDir}/systemd-networkd.service`,
    },
    // Masked: with an empty machine-id systemd-firstboot would ask for a locale and a root
    // password on the console and wait forever; armada's first boot does that from the seed.
    { path: `${unitDir}/systemd-firstboot.service`, target: '/dev/null' },
  ];
  return { firstboot, docker };
}

function checkOptions(opts: FirstBootOptions): void {
  // These go into shell, XML and unit files unescaped: only plain characters.
  if (!/^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$/.test(opts.armadaVersion))
    throw new InternalError(`armada version '${opts.armadaVersion}' is not a plain version string`);
  if (opts.builtAt !== undefined && !/^[0-9][0-9A-Za-z:.+-]{0,39}$/.test(opts.builtAt))
    throw new InternalError(`build time '${opts.builtAt}' is not an ISO 8601 time`);
}

/** Every planned file rendered, in plannedFiles order, each with the part it belongs to. */
function renderFiles(opts: FirstBootOptions): { part: FirstBootPart; file: FileSpec }[] {
  checkOptions(opts);
  const data = {
    version: opts.armadaVersion,
    insecureTcp: opts.insecureTcp ? '1' : '0',
    builtAt: opts.builtAt ?? '',
    systemUsers: [...systemNames].join(' '),
    // On in the image; first boot turns them off for a seed that says SECURITY_UPDATES='0'.
    securityUpdates: '1',
  };
  return plannedFiles.map((f) => ({
    part: f.part ?? 'firstboot',
    file: { path: f.path, mode: f.mode, content: render(f.template, data) },
  }));
}

/**
 * The plan, rendered once and split into the parts the build steps install (each part's files
 * are those its step owns, named in plannedFiles; nothing is split by path).
 */
export function planFirstBoot(opts: FirstBootOptions): Record<FirstBootPart, FirstBootPlan> {
  const files = renderFiles(opts);
  const symlinks = planFirstBootSymlinks(opts.insecureTcp);
  const part = (name: FirstBootPart): FirstBootPlan => ({
    files: files.filter((f) => f.part === name).map((f) => f.file),
    symlinks: symlinks[name],
  });
  return { firstboot: part('firstboot'), docker: part('docker') };
}

/** The whole plan: every part together. */
export function planFirstBootFiles(opts: FirstBootOptions): FirstBootPlan {
  const symlinks = planFirstBootSymlinks(opts.insecureTcp);
  return {
    files: renderFiles(opts).map((f) => f.file),
    symlinks: [...symlinks.firstboot, ...symlinks.docker],
  };
}
