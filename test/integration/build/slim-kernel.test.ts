/**
 * The slim rules against Debian 13's real arm64 kernel package: everything a Pi, its HATs,
 * the initramfs or Docker needs stays; the groups the rules name really go.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { initramfsModules } from '../../../src/build/initramfs.js';
import {
  compileRules,
  moduleName,
  piModuleGroups,
  slimRules,
} from '../../../src/build/plan-slim.js';
import { debianKernelDeb } from '../../helpers/kernel-packages.js';

const norm = (s: string) => s.replace(/-/g, '_');

describe('slim rules on the trixie arm64 kernel package', () => {
  const deb = debianKernelDeb('arm64', 'trixie');
  const paths = execFileSync('dpkg-deb', ['--fsys-tarfile', deb], { maxBuffer: 512 << 20 });
  const files = execFileSync('tar', ['-t'], { input: paths, maxBuffer: 64 << 20, encoding: 'utf8' })
    .split('\n')
    .filter((n) => n && !n.endsWith('/'))
    .map((n) => n.replace(/^\./, ''));
  const excluded = compileRules(slimRules());
  const modules = new Map<string, string>();
  for (const f of files) {
    const m = moduleName(f);
    if (m) modules.set(m, f);
  }

  it('keeps every module a Pi, its HATs and Docker use (src/build/pi-modules.json)', () => {
    const wanted = piModuleGroups.flatMap((g) => g.modules.map((m) => ({ m, g: g.name })));
    expect(wanted.filter(({ m }) => !modules.has(norm(m)))).toEqual([]);
    expect(wanted.filter(({ m }) => excluded(modules.get(norm(m))!))).toEqual([]);
  });

  it('keeps every initramfs module that is a module file', () => {
    const gone = initramfsModules()
      .filter((m) => modules.has(norm(m)))
      .filter((m) => excluded(modules.get(norm(m))!));
    expect(gone).toEqual([]);
  });

  it('keeps the Pi device trees and the kernel, and leaves out what the groups name', () => {
    expect(files.filter((f) => /\/broadcom\/bcm2711-rpi-4-b\.dtb$/.test(f)).map(excluded)).toEqual([
      undefined,
    ]);
    expect(files.filter((f) => f.startsWith('/boot/vmlinuz')).map(excluded)).toEqual([undefined]);
    expect(excluded(modules.get('amdgpu')!)).toBe('pcie-gpus');
    expect(excluded(modules.get('mlx5_core')!)).toBe('datacenter-nics');
    expect(excluded(modules.get('qla2xxx')!)).toBe('scsi-hbas');
    expect(
      files.some((f) => /\/qcom\/.*\.dtb$/.test(f) && excluded(f) === 'other-soc-device-trees'),
    ).toBe(true);
    const gone = [...modules.values()].filter((f) => excluded(f)).length;
    // Most of the package's ~4,300 modules stay: only whole vendor families go.
    expect(gone).toBeGreaterThan(300);
    expect(gone).toBeLessThan(modules.size / 3);
  });
});
