import { describe, expect, it } from 'vitest';
import {
  devNodes,
  keptCapabilities,
  readOnlyProc,
  sandboxCommand,
} from '../../../src/base/plan-sandbox.js';

const cap = {
  dac_read_search: 2,
  net_admin: 12,
  sys_module: 16,
  sys_rawio: 17,
  sys_chroot: 18,
  sys_ptrace: 19,
  sys_admin: 21,
  mknod: 27,
};

describe('sandboxCommand', () => {
  const [file, args] = sandboxCommand('/w/rootfs', ['A=1', 'apt-get', 'update']);
  const script = args[args.indexOf('-c') + 1];

  it('runs in new mount, PID, IPC and UTS namespaces, the rest after the script', () => {
    expect(file).toBe('unshare');
    for (const flag of ['--mount', '--pid', '--fork', '--kill-child', '--ipc', '--uts'])
      expect(args).toContain(flag);
    expect(args).not.toContain('--net');
    expect(args.slice(-5)).toEqual(['armada-sandbox', '/w/rootfs', 'A=1', 'apt-get', 'update']);
    expect(sandboxCommand('/r', ['x'], { network: false })[1]).toContain('--net');
  });

  it('mounts no host path into the tree: a private /dev, its own /proc', () => {
    expect(script).not.toMatch(/--r?bind \/dev|--r?bind \/(?!proc)|\/dev\/[sv]d/);
    for (const [n] of devNodes) expect(script).toContain(`"$r/dev/${n}"`);
    expect(devNodes.map(([n]) => n)).toEqual(['null', 'zero', 'full', 'random', 'urandom', 'tty']);
    expect(script).toContain('newinstance');
    expect(script).toContain('mount -t proc');
    expect(readOnlyProc).toEqual(expect.arrayContaining(['sys', 'sysrq-trigger']));
    expect(script).toContain('remount,bind,nodev "$r"');
  });

  it('chroots with capsh as PID 1 and keeps no capability that reaches the host', () => {
    expect(script).toMatch(/\nexec capsh --chroot="\$r" --drop="\$drop"/);
    for (const c of Object.values(cap)) expect(keptCapabilities).not.toContain(c);
  });
});
