/**
 * `armada check-kernel` as users run it: the built CLI, its exit codes (0 ok, 3 check failed,
 * 1 bad input, 2 usage) and its --json document.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { debianKernelDeb, disableOptions } from '../../helpers/kernel-packages.js';
import { suiteTempDir } from '../../helpers/tmp.js';

// Made at collection time so suiteTempDir's afterAll registers and removes it.
const tmpRoot = await suiteTempDir('armada-kernel-cli-');

const repo = new URL('../../../', import.meta.url).pathname;

function armada(...args: string[]) {
  const r = spawnSync('node', [join(repo, 'bin/armada.js'), 'check-kernel', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.error) throw new Error(`armada did not finish within 120 s: ${r.error.message}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('armada check-kernel (built CLI)', () => {
  let dir: string;
  let deb: string;
  let good: string;
  let broken: string;

  beforeAll(() => {
    // Other parts of the tree may be mid-edit; tsc still emits, and the files we need must exist.
    try {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], {
        cwd: repo,
        stdio: 'pipe',
        timeout: 300_000,
      });
    } catch {
      /* type errors elsewhere do not stop emit */
    }
    if (!existsSync(join(repo, 'dist/commands/check-kernel.js')))
      throw new Error('tsc did not emit dist/commands/check-kernel.js');
    dir = mkdtempSync(join(tmpRoot, 'cli'));
    deb = debianKernelDeb('arm64');
    const text = execFileSync(
      'sh',
      ['-c', `dpkg-deb --fsys-tarfile '${deb}' | tar -xO --wildcards './boot/config-*'`],
      { encoding: 'utf8', maxBuffer: 64 << 20 },
    );
    good = join(dir, 'config-good');
    broken = join(dir, 'config-broken');
    writeFileSync(good, text);
    writeFileSync(broken, disableOptions(text, ['VETH', 'OVERLAY_FS', 'OPENVSWITCH']));
  });

  it('exits 0 and prints the table and an ok summary', () => {
    const r = armada(good);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^kernel 6\.\d+\.\d+ \(arm64\): config from .*config-good \(config\)$/m,
    );
    expect(r.stdout).toMatch(/^ {2}m {8}CONFIG_OVERLAY_FS$/m);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(
      /^ok: kernel 6\.\d+\.\d+ \(arm64\) has all \d+ required options/,
    );
    // check-kernel alone does not require OVS or Swarm's groups, but says that a default build does.
    expect(r.stdout).toMatch(
      /^a default 'armada build' also requires: ovs, swarm \(check with --require ovs --require swarm\)$/m,
    );
  });

  it('exits 0 on the real .deb, naming the file inside', () => {
    const r = armada(deb, '--require', 'ovs', '--require', 'swarm');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/config from boot\/config-\S+ in .*\.deb \(deb\)/);
    expect(r.stdout).toContain(
      'Open vSwitch datapath with GRE, VXLAN and Geneve tunnels (required)',
    );
    expect(r.stdout).toContain('overlay networks and service VIPs for Swarm (required)');
    expect(r.stdout).not.toContain("a default 'armada build' also requires");
  });

  it('exits 3 listing each missing required option and its group', () => {
    const r = armada(broken);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^ {2}MISSING {2}CONFIG_VETH$/m);
    expect(r.stderr).toContain('armada: kernel 6.');
    expect(r.stderr).toContain(
      '  - CONFIG_VETH (Docker core: namespaces, cgroups, bridge networking and iptables)',
    );
    expect(r.stderr).toContain('  - CONFIG_OVERLAY_FS (overlay2 storage on ext4)');
    expect(r.stderr).not.toContain('OPENVSWITCH');
    expect(armada(broken, '--require', 'ovs').stderr).toContain(
      '  - CONFIG_OPENVSWITCH (Open vSwitch datapath with GRE, VXLAN and Geneve tunnels)',
    );
  });

  it('--json prints one document with source, version, groups, missing and the verdict', () => {
    const r = armada(broken, '--json', '--require', 'ovs');
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({
      ok: false,
      source: broken,
      kind: 'config',
      file: broken,
      kernelVersion: expect.stringMatching(/^6\.\d+\.\d+$/),
      arch: 'arm64',
      require: ['ovs'],
      missingRequired: [
        { group: 'docker-necessary', option: 'VETH' },
        { group: 'storage-overlay2', option: 'OVERLAY_FS' },
        { group: 'ovs', option: 'OPENVSWITCH' },
      ].map((m): unknown => expect.objectContaining(m)),
    });
    const groups = doc.groups as {
      id: string;
      severity: string;
      options: { name: string; state: string }[];
    }[];
    expect(groups.find((g) => g.id === 'ovs')?.severity).toBe('required');
    expect(groups.find((g) => g.id === 'docker-necessary')?.options).toContainEqual({
      name: 'VETH',
      state: 'missing',
    });
    expect(JSON.parse(armada(good, '--json').stdout)).toMatchObject({
      ok: true,
      missingRequired: [],
    });
  });

  it.each([
    ['a missing path', () => join(dir, 'nope'), /no such file or directory/],
    [
      'an empty file',
      () => {
        const f = join(dir, 'empty');
        writeFileSync(f, '');
        return f;
      },
      /is empty/,
    ],
    [
      'a file that is no kernel',
      () => {
        const f = join(dir, 'notes');
        writeFileSync(f, 'hello\n');
        return f;
      },
      /not a kernel config/,
    ],
    [
      'a directory without a kernel',
      () => {
        const d = join(dir, 'etc');
        mkdirSync(d, { recursive: true });
        writeFileSync(join(d, 'hostname'), 'pi\n');
        return d;
      },
      /no kernel found/,
    ],
  ])('exits 1 with one line for %s', (_what, make, message) => {
    const r = armada(make());
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 for an unknown --require', () => {
    const r = armada(good, '--require', 'ovz');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown --require ovz; choose from: ovs');
  });
});
