import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CheckFailedError, ExitCode, formatError } from '../../../src/errors.js';
import { checkKernelConfig } from '../../../src/kernel/check.js';
import { parseKernelConfig } from '../../../src/kernel/config.js';
import { checkFailedError, formatCheckResult, summaryLine } from '../../../src/kernel/format.js';
import { disableOptions } from '../../helpers/kernel-packages.js';

const text = readFileSync(
  new URL('../../fixtures/kernel/config-6.1-arm64-trimmed', import.meta.url),
  'utf8',
);

describe('formatCheckResult', () => {
  it('prints a table per group with y / m / missing and a summary last', () => {
    const r = checkKernelConfig(parseKernelConfig(disableOptions(text, ['BRIDGE', 'IPVLAN'])), {
      cmdline: 'cgroup_disable=memory',
    });
    const out = formatCheckResult(r, {
      kind: 'deb',
      source: 'linux.deb',
      file: 'boot/config-6.1.0-50-arm64',
    });
    const lines = out.split('\n');
    expect(lines[0]).toBe(
      'kernel 6.1.176 (arm64): config from boot/config-6.1.0-50-arm64 in linux.deb (deb)',
    );
    // Each table is headed by its group's label and whether it is required, in plain words.
    expect(lines).toContain(
      'Docker core: namespaces, cgroups, bridge networking and iptables (required)',
    );
    expect(lines).toContain('ipvlan networks (optional)');
    expect(lines).toContain('Open vSwitch extras: conntrack zones and marks, QoS (optional)');
    expect(out).not.toMatch(/\[(required|optional)\]|Generally necessary|, optional/);
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}y {8}CONFIG_NAMESPACES$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}m {8}CONFIG_VETH$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}MISSING {2}CONFIG_BRIDGE$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}missing {2}CONFIG_IPVLAN$/));
    expect(out).toContain('warning: the memory cgroup is disabled');
    expect(lines.at(-1)).toBe(
      'FAILED: kernel 6.1.176 (arm64) lacks 1 of 44 required options (marked MISSING above)',
    );
  });

  it('summarises a pass', () => {
    const r = checkKernelConfig(parseKernelConfig(text));
    expect(summaryLine(r)).toBe(
      'ok: kernel 6.1.176 (arm64) has all 44 required options; nothing optional missing',
    );
  });
});

describe('checkFailedError', () => {
  it('exits 3 and lists each missing required option and what its group is for', () => {
    const r = checkKernelConfig(parseKernelConfig(disableOptions(text, ['VETH', 'OVERLAY_FS'])));
    const e = checkFailedError(r);
    expect(e).toBeInstanceOf(CheckFailedError);
    expect(e.exitCode).toBe(ExitCode.checkFailed);
    expect(formatError(e, false).split('\n')).toEqual([
      'armada: kernel 6.1.176 (arm64) lacks 2 required options; rebuild the kernel with them (=y or =m) or choose another kernel',
      '  - CONFIG_VETH (Docker core: namespaces, cgroups, bridge networking and iptables)',
      '  - CONFIG_OVERLAY_FS (overlay2 storage on ext4)',
    ]);
  });
});

describe('group labels', () => {
  it('every group armada ships has its own label, distinct from the others', async () => {
    const { loadRequirements } = await import('../../../src/kernel/requirements.js');
    const groups = loadRequirements().groups;
    const raw = ['docker', 'ovs', 'raspberry-pi'].flatMap(
      (f) =>
        (
          JSON.parse(
            readFileSync(new URL(`../../../kernel-config/${f}.json`, import.meta.url), 'utf8'),
          ) as { groups: { id: string; label?: string }[] }
        ).groups,
    );
    for (const g of raw) expect(g.label, `group ${g.id} has no label`).toMatch(/\S/);
    // Shown as "label (required)" and "CONFIG_X (label)": parentheses inside would nest.
    for (const g of raw) expect(g.label, g.id).not.toMatch(/[()]/);
    const labels = groups.map((g) => g.label);
    expect(new Set(labels).size).toBe(labels.length);
  });
});
