/**
 * Real kernels for tests, and kernel-shaped files made from them.
 *
 * debianKernelDeb(arch) returns Debian's current kernel package for a foreign architecture
 * (arm64: what linux-image-arm64 depends on; armhf: linux-image-armmp's), fetched once into
 * ~/.cache/armada/test-kernels/ with apt-get and the host's apt sources, but a private apt
 * state: the host's dpkg architectures and package lists are left alone.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ikconfigBlob } from '../../src/kernel/ikconfig.js';
import { isRoot } from './needs.js';
import { cacheDir } from '../../src/cache/dir.js';
import { cachePath } from '../../src/cache/layout.js';

export type DebArch = 'arm64' | 'armhf';

// The home cache even when a test points ARMADA_CACHE_DIR elsewhere: these downloads are slow.
export const testKernelCache =
  process.env.ARMADA_TEST_KERNELS ??
  cachePath(cacheDir({ ARMADA_CACHE_DIR: undefined }), 'testKernels');

const metaPackage: Record<string, string> = {
  arm64: 'linux-image-arm64',
  armhf: 'linux-image-armmp',
};
const flavour: Record<string, string> = { arm64: 'arm64', armhf: 'armmp' };

function aptOptions(arch: string, state: string): string[] {
  const o = (kv: string) => ['-o', kv];
  return [
    '-q',
    ...o(`APT::Architecture=${arch}`),
    ...o(`APT::Architectures=${arch}`),
    ...o(`Dir::State::Lists=${state}/lists`),
    ...o(`Dir::State::Status=${state}/status`),
    ...o(`Dir::Cache=${state}/cache`),
    ...o('Debug::NoLocking=1'),
    // Root cannot hand ~root/.cache to the _apt sandbox user; say so instead of warning each time.
    ...(isRoot ? o('APT::Sandbox::User=root') : []),
  ];
}

function sh(
  file: string,
  args: string[],
  opts: { cwd?: string; timeoutMs: number; allowFailure?: boolean },
): string {
  try {
    return execFileSync(file, args, {
      cwd: opts.cwd,
      encoding: 'utf8',
      timeout: opts.timeoutMs,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    if (opts.allowFailure) return `${e.stdout ?? ''}\n${e.stderr ?? ''}`;
    throw new Error(
      `${file} ${args.join(' ')} failed within ${opts.timeoutMs} ms: ${e.stderr ?? e.message}`,
    );
  }
}

/**
 * A private apt state for `arch` whose package lists come from the host's sources or, with
 * `suite`, from the host's Debian archive URIs for that suite (a Debian 12 host fetching Debian 13
 * packages): the mirror always comes from the host's apt configuration.
 */
function privateApt(arch: string, suite?: string): string[] {
  const state = join(testKernelCache, 'apt', suite ? `${arch}-${suite}` : arch);
  mkdirSync(join(state, 'lists', 'partial'), { recursive: true });
  mkdirSync(join(state, 'cache', 'archives', 'partial'), { recursive: true });
  if (!existsSync(join(state, 'status'))) writeFileSync(join(state, 'status'), '');
  const options = aptOptions(arch, state);
  if (suite) {
    const list = join(state, 'sources.list');
    writeFileSync(list, suiteSourcesList(suite));
    options.push('-o', `Dir::Etc::SourceList=${list}`, '-o', 'Dir::Etc::SourceParts=/dev/null');
  }
  // One failing source (a mirror mid-sync) makes update exit 100 although the others were read;
  // whether the package resolves afterwards is what counts.
  sh('apt-get', [...options, 'update'], { timeoutMs: 300_000, allowFailure: true });
  return options;
}

const debianKeyring = '/usr/share/keyrings/debian-archive-keyring.gpg';

/** `deb` lines for suite on the host's Debian archive URIs, signed by Debian's archive keyring. */
function suiteSourcesList(suite: string): string {
  const text = sh('apt-get', ['indextargets', '--format', '$(REPO_URI) $(RELEASE) $(ORIGIN)'], {
    timeoutMs: 30_000,
  });
  const lines = new Set<string>();
  for (const line of text.split('\n')) {
    const [uri, release, origin] = line.trim().split(' ');
    // The host's own Debian suites (e.g. bookworm, bookworm-updates, bookworm-security) tell
    // which URIs serve Debian; the wanted suite is read from the same URIs.
    const m = /^[a-z]+(-updates|-security)?$/.exec(release ?? '');
    if (!uri || !m || origin !== 'Debian') continue;
    lines.add(`deb [signed-by=${debianKeyring}] ${uri} ${suite}${m[1] ?? ''} main`);
  }
  if (!lines.size)
    throw new Error(
      `the host's apt sources name no Debian archive to fetch ${suite} packages from`,
    );
  return [...lines].join('\n') + '\n';
}

/** apt-get download `pkg` into `dir`, atomically (a half-downloaded file never has the final name). */
function download(options: string[], pkg: string, dir: string): string {
  const tmp = join(dir, `.download-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    sh('apt-get', [...options, 'download', pkg], { cwd: tmp, timeoutMs: 600_000 });
    const [file] = readdirSync(tmp).filter((f) => f.endsWith('.deb'));
    if (!file) throw new Error(`apt-get download ${pkg} produced no .deb`);
    renameSync(join(tmp, file), join(dir, file));
    return join(dir, file);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Debian's kernel package for arm64 or armhf (cached; fetched the first time), of the host's
 * suite or of `suite` (e.g. trixie) on the host's Debian archive.
 */
export function debianKernelDeb(arch: DebArch, suite?: string): string {
  const dir = join(testKernelCache, suite ? `${arch}-${suite}` : arch);
  mkdirSync(dir, { recursive: true });
  const pattern = new RegExp(`^linux-image-\\d.*-${flavour[arch]}_.*_${arch}\\.deb$`);
  const cached = readdirSync(dir)
    .filter((f) => pattern.test(f))
    .sort();
  if (cached.length) return join(dir, cached.at(-1)!);
  const options = privateApt(arch, suite);
  const depends = sh('apt-cache', [...options, 'depends', metaPackage[arch]], {
    timeoutMs: 60_000,
  });
  const pkg = /^\s+Depends: (linux-image-\S+)$/m.exec(depends)?.[1];
  if (!pkg)
    throw new Error(
      `cannot resolve ${metaPackage[arch]} for ${arch}: apt-cache depends said:\n${depends}`,
    );
  return download(options, pkg, dir);
}

/** Docker's check-config.sh as Debian ships it in docker.io (host architecture; never installed). */
export function dockerCheckConfigScript(): string {
  const dir = join(testKernelCache, 'docker.io');
  const script = join(dir, 'root/usr/share/docker.io/contrib/check-config.sh');
  if (existsSync(script)) return script;
  mkdirSync(dir, { recursive: true });
  const hostArch = sh('dpkg', ['--print-architecture'], { timeoutMs: 10_000 }).trim();
  const deb =
    readdirSync(dir).find((f) => /^docker\.io_.*\.deb$/.test(f)) ??
    download(privateApt(hostArch), 'docker.io', dir);
  const root = join(dir, '.root-tmp');
  rmSync(root, { recursive: true, force: true });
  sh('dpkg-deb', ['-x', join(dir, deb.split('/').pop()!), root], { timeoutMs: 120_000 });
  renameSync(root, join(dir, 'root'));
  if (!existsSync(script)) throw new Error(`docker.io has no ${script.slice(dir.length)}`);
  return script;
}

// ---------------------------------------------------------------------------------------------
// Kernel-shaped files assembled from a real config.

/** Turn each `CONFIG_X=...` into `# CONFIG_X is not set`, as `make menuconfig` would write it. */
export function disableOptions(text: string, names: readonly string[]): string {
  let out = text;
  for (const name of names) {
    const line = new RegExp(`^CONFIG_${name}=.*$`, 'm');
    if (!line.test(out)) throw new Error(`CONFIG_${name} is not set in this config to begin with`);
    out = out.replace(line, `# CONFIG_${name} is not set`);
  }
  return out;
}

export function withVersion(text: string, version: string): string {
  return text.replace(
    /^# Linux\/(\S+) \S+ Kernel Configuration$/m,
    `# Linux/$1 ${version} Kernel Configuration`,
  );
}

/** A configs.ko-like ELF: ELF magic, a .modinfo with vermagic, and the IKCONFIG blob. */
export function fakeConfigsKo(config: string): Buffer {
  const elf = Buffer.alloc(64);
  elf.write('\x7fELF', 0, 'latin1');
  elf[4] = 2; // 64-bit
  elf[5] = 1; // little-endian
  const modinfo = Buffer.from(
    '.modinfo\0license=GPL v2\0vermagic=6.1.0-50-arm64 SMP mod_unload modversions aarch64\0',
  );
  return Buffer.concat([
    elf,
    randomBytes(4096),
    modinfo,
    ikconfigBlob(gzipSync(config)),
    randomBytes(2048),
  ]);
}

/** An arm64 Image: the boot header ("ARMd" at 0x38), code-like filler, and IKCONFIG inside. */
export function fakeArm64Image(config: string | undefined): Buffer {
  const header = Buffer.alloc(64);
  header.write('MZ', 0, 'latin1');
  header.write('ARMd', 0x38, 'latin1');
  const middle = config === undefined ? Buffer.alloc(0) : ikconfigBlob(gzipSync(config));
  return Buffer.concat([header, randomBytes(512 * 1024), middle, randomBytes(128 * 1024)]);
}

/** An arm64 EFI zboot image around a compressed Image (layout of zboot-header.S). */
export function zbootImage(payload: Buffer, compression = 'gzip'): Buffer {
  const header = Buffer.alloc(4096);
  header.write('MZ', 0, 'latin1');
  header.write('zimg', 4, 'latin1');
  header.writeUInt32LE(header.length, 8);
  header.writeUInt32LE(payload.length, 12);
  header.write(`${compression}\0`, 24, 'latin1');
  const size = Buffer.alloc(4);
  size.writeUInt32LE(payload.length);
  return Buffer.concat([header, payload, size, randomBytes(8192)]);
}

/** A 32-bit ARM zImage: a decompressor stub (magic at 0x24) followed by the compressed Image. */
export function fakeZImage(compressedImage: Buffer): Buffer {
  const stub = randomBytes(16 * 1024);
  // A real stub starts with NOPs; zeros also keep random bytes from looking like gzip at 0.
  stub.fill(0, 0, 0x30);
  stub.writeUInt32LE(0x016f2818, 0x24);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(compressedImage.length);
  return Buffer.concat([stub, compressedImage, size]);
}

/**
 * Any Debian package (cached; fetched the first time), from the host's suite or from `suite`
 * on the host's Debian archive (e.g. Debian 13's docker-compose for a Debian 12 host).
 */
export function debianPackage(arch: string, name: string, suite?: string): string {
  const dir = join(testKernelCache, suite ? `${arch}-${suite}` : arch);
  mkdirSync(dir, { recursive: true });
  const cached = readdirSync(dir)
    .filter((f) => f.startsWith(`${name}_`) && f.endsWith(`_${arch}.deb`))
    .sort();
  if (cached.length) return join(dir, cached.at(-1)!);
  return download(privateApt(arch, suite), name, dir);
}
