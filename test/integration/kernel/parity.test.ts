/**
 * Parity with Docker's own contrib/check-config.sh, as Debian ships it in docker.io (downloaded
 * into the test cache and unpacked, never installed). Both read the same config files; the
 * options the script calls "Generally Necessary" must be required by us and judged the same.
 * The script also looks at the running machine (cgroup mounts, apparmor, uname -r for its
 * version rules); those lines are ignored. The host kernel is >= 5.3 like the configs here, so
 * the script's version rules pick the same options as ours.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkKernelConfig } from '../../../src/kernel/check.js';
import { readKernelConfig } from '../../../src/kernel/read.js';
import {
  debianKernelDeb,
  disableOptions,
  dockerCheckConfigScript,
  type DebArch,
} from '../../helpers/kernel-packages.js';
import { suiteTempDir } from '../../helpers/tmp.js';

// Made at collection time so suiteTempDir's afterAll registers and removes it.
const tmpRoot = await suiteTempDir('armada-kernel-parity-');

/** CONFIG_ name → present, for the "Generally Necessary" section of the script's output. */
function parseCheckConfigOutput(output: string): Map<string, boolean> {
  // eslint-disable-next-line no-control-regex
  const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
  const start = plain.indexOf('Generally Necessary:');
  const end = plain.indexOf('Optional Features:');
  if (start < 0 || end < start)
    throw new Error(`unexpected check-config.sh output:\n${plain.slice(0, 2000)}`);
  const found = new Map<string, boolean>();
  for (const line of plain.slice(start, end).split('\n')) {
    const m = /^- CONFIG_([A-Z0-9_]+): (enabled|enabled \(as module\)|missing)$/.exec(line.trim());
    if (m) found.set(m[1], m[2] !== 'missing');
  }
  return found;
}

function runScript(script: string, config: string): Map<string, boolean> {
  let out: string;
  try {
    out = execFileSync('bash', [script], {
      env: { ...process.env, CONFIG: config, NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 60_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    // The script exits 1 whenever anything (also on this machine) is missing; its output is what counts.
    out = (error as { stdout?: string }).stdout ?? '';
  }
  return parseCheckConfigOutput(out);
}

describe('parity with Docker’s check-config.sh (Debian docker.io)', () => {
  let script: string;
  let dir: string;
  const configs: Record<string, string> = {};

  beforeAll(() => {
    script = dockerCheckConfigScript();
    dir = mkdtempSync(join(tmpRoot, 'parity'));
    for (const arch of ['arm64', 'armhf'] as DebArch[]) {
      const deb = debianKernelDeb(arch);
      configs[arch] = execFileSync(
        'sh',
        ['-c', `dpkg-deb --fsys-tarfile '${deb}' | tar -xO --wildcards './boot/config-*'`],
        { encoding: 'utf8', maxBuffer: 64 << 20 },
      );
    }
  });

  const cases: [string, DebArch, string[]][] = [
    ['arm64, complete', 'arm64', []],
    ['armhf, complete', 'armhf', []],
    [
      'arm64 without options both know',
      'arm64',
      ['VETH', 'BRIDGE', 'MEMCG', 'IP_NF_NAT', 'POSIX_MQUEUE', 'NETFILTER_XT_MATCH_IPVS'],
    ],
    [
      'armhf without options only we require',
      'armhf',
      ['IP6_NF_NAT', 'OVERLAY_FS', 'CGROUP_BPF', 'NF_NAT'],
    ],
  ];

  it.each(cases)('%s', async (name, arch, removed) => {
    const file = join(dir, name.replace(/\W+/g, '-'));
    writeFileSync(file, removed.length ? disableOptions(configs[arch], removed) : configs[arch]);
    const theirs = runScript(script, file);
    expect(theirs.size).toBeGreaterThan(20);

    const result = checkKernelConfig((await readKernelConfig(file)).config);
    const ours = new Map(
      result.groups
        .filter((g) => g.severity === 'required')
        .flatMap((g) => g.options.map((o) => [o.name, o.state !== 'missing'] as const)),
    );
    // Everything Docker calls generally necessary, we require, and judge the same way.
    for (const [option, present] of theirs) {
      expect(
        ours.has(option),
        `CONFIG_${option} is generally necessary for Docker but not required by armada`,
      ).toBe(true);
      expect(ours.get(option), `CONFIG_${option}`).toBe(present);
    }
    const theirMissing = [...theirs]
      .filter(([, present]) => !present)
      .map(([o]) => o)
      .sort();
    const ourMissing = result.missingRequired
      .map((m) => m.option)
      .filter((o) => theirs.has(o))
      .sort();
    expect(ourMissing).toEqual(theirMissing);
    expect(theirMissing).toEqual(removed.filter((o) => theirs.has(o)).sort());
    // Whatever else was removed, only we catch (newer moby lists or armada's own needs).
    expect(result.missingRequired.map((m) => m.option).sort()).toEqual([...removed].sort());
  });
});
