import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import {
  checkKernelConfig,
  cmdlineDisables,
  effectiveCmdline,
  ruleApplies,
  splitCmdline,
} from '../../../src/kernel/check.js';
import { parseKernelConfig } from '../../../src/kernel/config.js';
import { loadRequirements } from '../../../src/kernel/requirements.js';
import { disableOptions, withVersion } from '../../helpers/kernel-packages.js';

const text = readFileSync(
  new URL('../../fixtures/kernel/config-6.1-arm64-trimmed', import.meta.url),
  'utf8',
);
const check = (t: string, opts: Parameters<typeof checkKernelConfig>[1] = {}) =>
  checkKernelConfig(parseKernelConfig(t), opts);
const names = (r: ReturnType<typeof check>, group: string) =>
  r.groups.find((g) => g.id === group)!.options.map((o) => o.name);
const memoryRule = loadRequirements().cmdline.find((r) => r.id === 'memory-cgroup')!;

describe('checkKernelConfig on Debian’s 6.1 arm64 config', () => {
  it('passes, with modules counted as present', () => {
    const r = check(text);
    expect(r).toMatchObject({
      ok: true,
      kernelVersion: '6.1.176',
      arch: 'arm64',
      missingRequired: [],
      warnings: [],
      cmdline: [],
    });
    const overlay = r.groups
      .find((g) => g.id === 'storage-overlay2')!
      .options.find((o) => o.name === 'OVERLAY_FS');
    expect(overlay?.state).toBe('m');
  });

  it('fails listing each missing required option with its group', () => {
    const r = check(disableOptions(text, ['VETH', 'OVERLAY_FS', 'CGROUP_BPF', 'SECCOMP']));
    expect(r.ok).toBe(false);
    expect(r.missingRequired.map((m) => [m.option, m.group])).toEqual([
      ['VETH', 'docker-necessary'],
      ['CGROUP_BPF', 'docker-necessary'],
      ['OVERLAY_FS', 'storage-overlay2'],
    ]);
    // An optional option missing does not fail the check but is shown.
    expect(r.groups.find((g) => g.id === 'docker-optional')!.missing).toEqual(['SECCOMP']);
  });

  it('needs nf_tables for Debian’s iptables-nft (NFT_COMPAT carries Docker’s xt rules)', () => {
    const r = check(disableOptions(text, ['NFT_COMPAT', 'NFT_NAT']));
    expect(r.ok).toBe(false);
    expect(r.missingRequired.map((m) => [m.option, m.group])).toEqual([
      ['NFT_COMPAT', 'iptables-nft'],
      ['NFT_NAT', 'iptables-nft'],
    ]);
    // NFT_NAT replaced NFT_CHAIN_NAT_IPV4/6 in 5.1: an older kernel is not asked for it.
    const old = check(withVersion(disableOptions(text, ['NFT_NAT']), '4.19.0'));
    expect(old.missingRequired.filter((m) => m.group === 'iptables-nft')).toEqual([]);
  });

  it('makes Open vSwitch required only with require: [ovs]', () => {
    const noOvs = disableOptions(text, ['OPENVSWITCH_GENEVE']);
    expect(check(noOvs).ok).toBe(true);
    const r = check(noOvs, { require: ['ovs'] });
    expect(r.ok).toBe(false);
    expect(r.require).toEqual(['ovs']);
    expect(r.missingRequired).toEqual([
      {
        group: 'ovs',
        title: 'Open vSwitch',
        label: 'Open vSwitch datapath with GRE, VXLAN and Geneve tunnels',
        option: 'OPENVSWITCH_GENEVE',
      },
    ]);
    expect(r.groups.find((g) => g.id === 'ovs')!.severity).toBe('required');
  });

  it('rejects an unknown --require with the accepted values', () => {
    expect(() => check(text, { require: ['ovz'] })).toThrow(UsageError);
    expect(() => check(text, { require: ['ovz'] })).toThrow(
      /unknown --require ovz; choose from: ovs/,
    );
  });
});

describe('version rules come from the config’s own version', () => {
  it('a 6.1 kernel needs CGROUP_BPF but none of the removed options', () => {
    const r = check(text);
    expect(names(r, 'docker-necessary')).toContain('CGROUP_BPF');
    expect(names(r, 'docker-necessary')).not.toContain('NF_NAT_IPV4');
    expect(names(r, 'docker-optional')).not.toEqual(
      expect.arrayContaining(['MEMCG_SWAP', 'MEMCG_SWAP_ENABLED', 'IOSCHED_CFQ']),
    );
    expect(names(r, 'docker-optional')).toContain('CGROUP_NET_PRIO');
  });

  it('a 4.14 kernel needs NF_NAT_IPV4 and NF_NAT_NEEDED but not CGROUP_BPF', () => {
    const r = check(withVersion(text, '4.14.98'));
    const necessary = names(r, 'docker-necessary');
    expect(necessary).toEqual(expect.arrayContaining(['NF_NAT_IPV4', 'NF_NAT_NEEDED']));
    expect(necessary).not.toContain('CGROUP_BPF');
    expect(necessary).not.toContain('DEVPTS_MULTIPLE_INSTANCES');
    expect(r.missingRequired.map((m) => m.option)).toEqual(['NF_NAT_IPV4', 'NF_NAT_NEEDED']);
    expect(names(r, 'docker-optional')).toEqual(
      expect.arrayContaining([
        'IOSCHED_CFQ',
        'CFQ_GROUP_IOSCHED',
        'MEMCG_SWAP',
        'MEMCG_SWAP_ENABLED',
      ]),
    );
    expect(names(r, 'ovs')).toEqual(
      expect.arrayContaining(['NF_CONNTRACK_IPV4', 'NF_CONNTRACK_IPV6']),
    );
  });

  it('applies the boundaries exactly (removedIn is exclusive, since inclusive)', () => {
    const at = (v: string) => names(check(withVersion(text, v)), 'docker-necessary');
    expect(at('5.1.21')).toContain('NF_NAT_IPV4');
    expect(at('5.2.0')).not.toContain('NF_NAT_IPV4');
    expect(at('5.2.0')).toContain('NF_NAT_NEEDED');
    expect(at('4.14.0')).not.toContain('CGROUP_BPF');
    expect(at('4.15.0')).toContain('CGROUP_BPF');
    expect(at('4.7.10')).toContain('DEVPTS_MULTIPLE_INSTANCES');
    expect(names(check(withVersion(text, '5.7.0')), 'docker-optional')).toContain(
      'MEMCG_SWAP_ENABLED',
    );
    expect(names(check(withVersion(text, '5.8.0')), 'docker-optional')).not.toContain(
      'MEMCG_SWAP_ENABLED',
    );
  });

  it('without a header, checks version-dependent options only where the config mentions them', () => {
    const headless = text.replace(/^# Linux\/.*$/m, '#') + '# CONFIG_NF_NAT_IPV4 is not set\n';
    const r = check(headless);
    expect(r.kernelVersion).toBeUndefined();
    expect(r.warnings.join()).toMatch(/no "# Linux\/<arch> <version> Kernel Configuration" header/);
    expect(names(r, 'docker-necessary')).toEqual(
      expect.arrayContaining(['CGROUP_BPF', 'NF_NAT_IPV4']),
    );
    expect(names(r, 'docker-necessary')).not.toContain('NF_NAT_NEEDED');
    expect(r.missingRequired.map((m) => m.option)).toEqual(['NF_NAT_IPV4']);
  });

  it('skips the ext3 options when ext4 serves ext3 (unlessSet)', () => {
    const rule = { name: 'EXT3_FS', unlessSet: 'EXT4_USE_FOR_EXT2' };
    expect(ruleApplies(rule, parseKernelConfig(text))).toBe(false);
    expect(ruleApplies(rule, parseKernelConfig(disableOptions(text, ['EXT4_USE_FOR_EXT2'])))).toBe(
      true,
    );
  });

  it('warns when the kernel is not built for a Pi architecture', () => {
    const r = check(text.replace('# Linux/arm64 ', '# Linux/x86 '));
    expect(r.warnings).toEqual(['this kernel is built for x86; a Raspberry Pi needs arm64 or arm']);
  });
});

describe('kernel command line', () => {
  it.each([
    ['console=tty1 root=PARTUUID=1234-02 rootwait', false],
    ['console=tty1 cgroup_disable=memory rootwait', true],
    ['cgroup_disable=cpu,memory quiet', true],
    ['cgroup_disable=memory cgroup_enable=memory cgroup_memory=1', false],
    ['cgroup_enable=memory cgroup_disable=memory', true],
    ['cgroup_disable=memoryx', false],
    ['', false],
  ])('%j disables memory: %s', (cmdline, expected) =>
    expect(cmdlineDisables(cmdline, memoryRule)).toBe(expected),
  );

  it('splits on whitespace but keeps quoted values together', () => {
    expect(splitCmdline('a=1  b="x y"\n c')).toEqual(['a=1', 'b=x y', 'c']);
  });

  it('reports a warning without failing the check', () => {
    const r = check(text, { cmdline: 'console=serial0,115200 cgroup_disable=memory rootwait\n' });
    expect(r.ok).toBe(true);
    expect(r.cmdline).toEqual([
      expect.objectContaining({
        id: 'memory-cgroup',
        fix: expect.stringContaining('cgroup_enable=memory'),
      }),
    ]);
  });

  it('honours CONFIG_CMDLINE_FORCE and CONFIG_CMDLINE_EXTEND', () => {
    const base = text.replace(/^CONFIG_CMDLINE=.*$/m, 'CONFIG_CMDLINE="cgroup_disable=memory"');
    expect(effectiveCmdline(parseKernelConfig(base), 'quiet')).toBe('quiet');
    expect(
      effectiveCmdline(
        parseKernelConfig(base + 'CONFIG_CMDLINE_FORCE=y\n'),
        'cgroup_enable=memory',
      ),
    ).toBe('cgroup_disable=memory');
    expect(effectiveCmdline(parseKernelConfig(base + 'CONFIG_CMDLINE_EXTEND=y\n'), 'quiet')).toBe(
      'quiet cgroup_disable=memory',
    );
    expect(check(base + 'CONFIG_CMDLINE_FORCE=y\n').cmdline).toHaveLength(1);
    expect(check(base).cmdline).toHaveLength(0);
  });
});
