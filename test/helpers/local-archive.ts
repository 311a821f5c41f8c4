/**
 * A signed apt archive made on the spot from a stage's cached .debs, so that a test can say "the
 * archive changed" without depending on when the real archive publishes: it holds the stage's
 * packages at the versions the stage has, except one rebuilt with a higher version, plus a small
 * package the stage lacks. The test serves it over http on 127.0.0.1 (file-server.ts), and
 * loopback-only.ts lets apt reach it from a network namespace that has nothing else.
 */
import {
  chmod,
  copyFile,
  mkdir,
  readdir,
  readFile,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { run, type Command } from '../../src/exec.js';

/** Every tool here finishes in seconds; a hung one fails the test instead of stalling it. */
const bounded = { timeoutMs: 60_000 };

export interface InstalledPackage {
  name: string;
  version: string;
  arch: string;
  /** KiB, as dpkg records it. */
  installedSize: number;
  /** Essential, Important or Protected: apt never removes it on its own. */
  pinned: boolean;
  /** Every name it depends on, recommends or suggests, all alternatives (what autoremove keeps). */
  needs: string[];
  provides: string[];
}

export interface Stage {
  packages: InstalledPackage[];
  /** Packages apt installed as dependencies (extended_states: Auto-Installed: 1). */
  auto: Set<string>;
  /** Packages with maintainer scripts. */
  scripted: Set<string>;
}

/** Pure: the paragraphs of a dpkg/apt control file as lower-cased field → value. */
export function parseStanzas(text: string): Record<string, string>[] {
  return text
    .split(/\n\s*\n/)
    .map((para) => {
      const fields: Record<string, string> = {};
      let last = '';
      for (const line of para.split('\n')) {
        const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
        if (m) fields[(last = m[1].toLowerCase())] = m[2].trim();
        else if (/^\s/.test(line) && last) fields[last] += `\n${line.trim()}`;
      }
      return fields;
    })
    .filter((f) => Object.keys(f).length > 0);
}

/** Pure: the package names a relation field names ("a (>= 1) | b:any, c" → a, b, c). */
export function relationNames(field: string | undefined): string[] {
  return (field ?? '')
    .split(/[,|]/)
    .map((r) => r.trim().split(/[\s(:[<]/)[0])
    .filter(Boolean);
}

/** Pure: the installed packages of a dpkg status file. */
export function parseDpkgStatus(text: string): InstalledPackage[] {
  return parseStanzas(text)
    .filter((f) => f.status?.split(/\s+/)[2] === 'installed')
    .map((f) => ({
      name: f.package,
      version: f.version,
      arch: f.architecture,
      installedSize: Number(f['installed-size'] ?? 0),
      pinned: ['essential', 'important', 'protected'].some((k) => f[k] === 'yes'),
      needs: ['pre-depends', 'depends', 'recommends', 'suggests'].flatMap((k) =>
        relationNames(f[k]),
      ),
      provides: relationNames(f.provides),
    }));
}

/** Pure: the packages apt's extended_states marks as automatically installed. */
export function parseAutoInstalled(text: string): Set<string> {
  return new Set(
    parseStanzas(text)
      .filter((f) => f['auto-installed'] === '1')
      .map((f) => f.package),
  );
}

/** Pure: the name apt gives a downloaded package in /var/cache/apt/archives. */
export function debFileName(p: { name: string; version: string; arch: string }): string {
  return `${p.name}_${p.version.replace(':', '%3a')}_${p.arch}.deb`;
}

function providers(packages: readonly InstalledPackage[]): Map<string, InstalledPackage[]> {
  const by = new Map<string, InstalledPackage[]>();
  for (const p of packages)
    for (const n of new Set([p.name, ...p.provides])) by.set(n, [...(by.get(n) ?? []), p]);
  return by;
}

/**
 * Pure: what `apt-get autoremove` would remove, as apt marks: packages installed by hand and
 * pinned ones are kept, and everything a kept package depends on, recommends or suggests
 * (apt's defaults keep recommends and suggests too).
 */
export function autoremovable(
  packages: readonly InstalledPackage[],
  auto: ReadonlySet<string>,
): string[] {
  const by = providers(packages);
  const kept = new Set<string>();
  const todo = packages.filter((p) => !auto.has(p.name) || p.pinned);
  for (let p = todo.pop(); p; p = todo.pop()) {
    if (kept.has(p.name)) continue;
    kept.add(p.name);
    for (const n of p.needs) todo.push(...(by.get(n) ?? []));
  }
  return packages.map((p) => p.name).filter((n) => !kept.has(n));
}

/** Pure: the packages no other installed package depends on, recommends or suggests. */
function leaves(packages: readonly InstalledPackage[]): InstalledPackage[] {
  const by = providers(packages);
  const needed = new Set<string>();
  for (const p of packages)
    for (const n of p.needs) for (const q of by.get(n) ?? []) if (q !== p) needed.add(q.name);
  return packages.filter((p) => !p.pinned && !needed.has(p.name));
}

const smallest = (a: InstalledPackage, b: InstalledPackage) =>
  a.installedSize - b.installedSize || (a.name < b.name ? -1 : 1);

/**
 * Pure: the package to publish a new version of: a leaf (nothing installed pins its version) whose
 * .deb is in the cache, without maintainer scripts when there is one (they run under emulation),
 * the smallest.
 */
export function pickBump(
  stage: Stage,
  cachedDebs: ReadonlySet<string>,
): InstalledPackage | undefined {
  return leaves(stage.packages)
    .filter((p) => cachedDebs.has(debFileName(p)))
    .sort(
      (a, b) =>
        Number(stage.scripted.has(a.name)) - Number(stage.scripted.has(b.name)) || smallest(a, b),
    )[0];
}

/**
 * Pure: a package that, once marked automatic, is the only one autoremove takes (nothing needs
 * it, and all it needs stays needed), the smallest.
 */
export function pickOrphan(
  stage: Stage,
  exclude: ReadonlySet<string>,
): InstalledPackage | undefined {
  return leaves(stage.packages)
    .filter((p) => !exclude.has(p.name))
    .filter((p) => {
      const gone = autoremovable(stage.packages, new Set([...stage.auto, p.name]));
      return gone.length === 1 && gone[0] === p.name;
    })
    .sort(smallest)[0];
}

/** A root filesystem's installed packages, automatic marks and maintainer scripts. */
export async function readStage(rootfs: string): Promise<Stage> {
  const lib = join(rootfs, 'var/lib');
  const scripted = new Set<string>();
  for (const f of await readdir(join(lib, 'dpkg/info'))) {
    const m = /^([^:]+)(?::[^.]+)?\.(?:preinst|postinst|prerm|postrm)$/.exec(f);
    if (m) scripted.add(m[1]);
  }
  return {
    packages: parseDpkgStatus(await readFile(join(lib, 'dpkg/status'), 'utf8')),
    auto: parseAutoInstalled(
      await readFile(join(lib, 'apt/extended_states'), 'utf8').catch(() => ''),
    ),
    scripted,
  };
}

export interface LocalArchive {
  /** The directory to serve: dists/ and pool/. */
  root: string;
  suite: string;
  component: 'main';
  /** The public key the archive is signed with (binary, for signed-by). */
  keyring: string;
  /** dists/<suite>/InRelease. */
  inRelease: string;
  bumped: { name: string; from: string; to: string; file: string };
  synthetic: { name: string; version: string; file: string };
  /** How many packages it holds. */
  count: number;
}

export interface LocalArchiveOptions {
  /** An empty directory to make it in. */
  dir: string;
  suite: string;
  stage: Stage;
  /** Where the stage's .debs are cached (only read). */
  debs: string;
  bump: InstalledPackage;
  /** The name of the package the stage lacks, made here. */
  synthetic: string;
}

/** Every package of the stage whose .deb is cached, `bump` at a higher version, `synthetic`. */
export async function makeLocalArchive(o: LocalArchiveOptions): Promise<LocalArchive> {
  const root = join(o.dir, 'archive');
  const pool = 'pool/main';
  const dists = join(root, 'dists', o.suite);
  await mkdir(join(root, pool), { recursive: true });
  await mkdir(join(dists, 'main/binary-arm64'), { recursive: true });

  // The unchanged packages are linked, not copied: nothing writes to them.
  const cached = new Set(await readdir(o.debs));
  let count = 0;
  for (const p of o.stage.packages) {
    const f = debFileName(p);
    if (p.name === o.bump.name || !cached.has(f)) continue;
    await symlink(join(o.debs, f), join(root, pool, f));
    count++;
  }

  const to = `${o.bump.version}+armada1`;
  const unpacked = join(o.dir, 'bump');
  await run(['dpkg-deb', ['-R', join(o.debs, debFileName(o.bump)), unpacked]], bounded);
  const control = join(unpacked, 'DEBIAN/control');
  await writeFile(
    control,
    (await readFile(control, 'utf8')).replace(/^Version: .*$/m, `Version: ${to}`),
  );
  const bumpedFile = `${pool}/${debFileName({ ...o.bump, version: to })}`;
  await run(['dpkg-deb', ['-b', unpacked, join(root, bumpedFile)]], bounded);

  const version = '1.0';
  const made = join(o.dir, 'synthetic');
  await mkdir(join(made, 'DEBIAN'), { recursive: true });
  await mkdir(join(made, 'usr/share', o.synthetic), { recursive: true });
  await writeFile(
    join(made, 'DEBIAN/control'),
    [
      `Package: ${o.synthetic}`,
      `Version: ${version}`,
      'Architecture: all',
      'Maintainer: armada tests <tests@armada.invalid>',
      'Priority: optional',
      'Section: misc',
      'Description: a package the stage lacks, for the refresh test',
      '',
    ].join('\n'),
  );
  await writeFile(
    join(made, 'usr/share', o.synthetic, 'made-by'),
    'test/helpers/local-archive.ts\n',
  );
  const syntheticFile = `${pool}/${o.synthetic}_${version}_all.deb`;
  await run(['dpkg-deb', ['--root-owner-group', '-b', made, join(root, syntheticFile)]], bounded);
  count += 2;

  const packages = (await run(['apt-ftparchive', ['packages', pool]], { cwd: root, ...bounded }))
    .stdout;
  await writeFile(join(dists, 'main/binary-arm64/Packages'), packages);
  await writeFile(join(dists, 'main/binary-arm64/Packages.gz'), gzipSync(packages));
  const release = (
    await run(
      [
        'apt-ftparchive',
        [
          ...[
            `Origin=armada-test`,
            `Label=armada-test`,
            `Suite=${o.suite}`,
            `Codename=${o.suite}`,
            'Architectures=arm64',
            'Components=main',
          ].flatMap((kv) => ['-o', `APT::FTPArchive::Release::${kv}`]),
          'release',
          `dists/${o.suite}`,
        ],
      ],
      { cwd: root, ...bounded },
    )
  ).stdout;
  await writeFile(join(dists, 'Release'), release);

  const keyring = join(o.dir, 'archive-key.gpg');
  const inRelease = join(dists, 'InRelease');
  await signWithThrowawayKey(join(o.dir, 'gnupg'), join(dists, 'Release'), inRelease, keyring);
  return {
    root,
    suite: o.suite,
    component: 'main',
    keyring,
    inRelease,
    bumped: { name: o.bump.name, from: o.bump.version, to, file: bumpedFile },
    synthetic: { name: o.synthetic, version, file: syntheticFile },
    count,
  };
}

/** Clear-signs `release` into `inRelease` with a new key, whose public half goes to `keyring`. */
async function signWithThrowawayKey(
  home: string,
  release: string,
  inRelease: string,
  keyring: string,
): Promise<void> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  const gpg = (...args: string[]): Command => [
    'gpg',
    ['--homedir', home, '--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args],
  ];
  try {
    await run(gpg('--quick-gen-key', 'armada test archive', 'ed25519', 'sign', 'never'), bounded);
    await run(gpg('--export', '--output', keyring), bounded);
    await run(
      gpg('--digest-algo', 'SHA512', '--clearsign', '--output', inRelease, release),
      bounded,
    );
  } finally {
    // gpg started an agent for the key; it must not outlive the test.
    await run(['gpgconf', ['--homedir', home, '--kill', 'gpg-agent']], {
      ...bounded,
      allowFailure: true,
    });
  }
}

const keyInRootfs = '/etc/apt/keyrings/armada-test-archive.gpg';

/**
 * Points a root filesystem's apt at the local archive served at `url`, and at nothing else.
 * Returns the source line as rootfsSourceLines reads it (without options).
 */
export async function useOnly(rootfs: string, archive: LocalArchive, url: string): Promise<string> {
  const apt = join(rootfs, 'etc/apt');
  await mkdir(join(apt, 'keyrings'), { recursive: true });
  await copyFile(archive.keyring, join(rootfs, keyInRootfs));
  // apt reads the key as its unprivileged _apt user.
  await chmod(join(rootfs, keyInRootfs), 0o644);
  const listDir = join(apt, 'sources.list.d');
  for (const f of await readdir(listDir).catch(() => [] as string[]))
    if (/\.(list|sources)$/.test(f)) await rm(join(listDir, f));
  const line = `deb ${url} ${archive.suite} ${archive.component}`;
  await writeFile(
    join(apt, 'sources.list'),
    `deb [signed-by=${keyInRootfs}] ${url} ${archive.suite} ${archive.component}\n`,
  );
  return line;
}
