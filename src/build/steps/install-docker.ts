/**
 * build --base: Docker and the tools armada's first boot uses, installed into the base's root
 * filesystem by its own apt, in armada's sandbox (src/base/plan-sandbox.ts: own namespaces, a
 * private /dev, no host path, few capabilities; qemu-user via binfmt for a foreign
 * architecture). Package sources in order: --packages-from (offline), the base's own sources
 * when they answer, else Debian's archive for the base's release at the build host's mirror. The
 * package cache (cacheDir/apt/<arch>) is shared with from-scratch builds: .debs are copied in and
 * out, never mounted. Host-side paths into the tree resolve inside it (root-fs.ts), again after
 * every run of the base's code. No service starts in the sandbox.
 */
import {
  constants,
  copyFile,
  lstat,
  mkdir,
  readFile,
  readlink,
  rm,
  symlink,
} from 'node:fs/promises';
import { join } from 'node:path';
import type { Step } from '../../progress.js';
import { run, type Command, type RunOptions } from '../../exec.js';
import { OptionError, UserError } from '../../errors.js';
import type { BaseOptions } from '../../base/opened.js';
import {
  aptInstallCommand,
  aptUpdateCommand,
  debianSourcesFile,
  debianSourcesList,
  dockerPackages,
  localDebsDir,
  policyRcD,
  type AptSourceChoice,
} from '../../base/plan-docker.js';
import { produced, reusedInstall, type BuildContext } from '../context.js';
import type { BuildOptions } from '../options.js';
import { codenameOf, debs, hostDebianUri, storeInstall } from '../../base/install-cache.js';
import { unlessMissing } from '../../fs-errors.js';
import { cachePath } from '../../cache/layout.js';
import { stripTree } from '../strip-tree.js';
import { sandboxMountPoints } from '../../base/plan-sandbox.js';
import {
  inRoot,
  mkdirInRoot,
  readTextInRoot,
  realDirInRoot,
  rmInRoot,
  writeInRoot,
} from '../../tree/root-fs.js';

/**
 * Regular files only, each a new file: a link in the tree named x.deb neither copies a host file
 * out nor has one written through it.
 */
async function copyDebs(from: string, to: string, only?: (name: string) => boolean) {
  await mkdir(to, { recursive: true });
  for (const n of await debs(from)) {
    if ((only && !only(n)) || !(await lstat(join(from, n))).isFile()) continue;
    await rm(join(to, n), { force: true });
    await copyFile(join(from, n), join(to, n), constants.COPYFILE_EXCL);
  }
}

async function debianUri(): Promise<string> {
  const uri = await hostDebianUri();
  if (!uri)
    throw new OptionError(
      (o) =>
        `the base's package sources do not answer and this machine's apt sources name no Debian archive; give the .debs with ${o('packagesFrom')}`,
    );
  return uri;
}

const resolvConf = '/etc/resolv.conf';

/** The tree's resolv.conf is often a symlink into /run: the host's, for the install only. */
async function borrowResolvConf(root: string): Promise<() => Promise<void>> {
  const path = await inRoot(root, resolvConf);
  const st = await unlessMissing(lstat(path), undefined);
  const link = st?.isSymbolicLink() ? await readlink(path) : undefined;
  const content = st?.isFile() ? await readFile(path) : undefined;
  await writeInRoot(root, resolvConf, await unlessMissing(readFile('/etc/resolv.conf'), ''));
  return async () => {
    await rmInRoot(root, resolvConf);
    const back = await inRoot(root, resolvConf);
    if (link !== undefined) await symlink(link, back);
    else if (content !== undefined) await writeInRoot(root, resolvConf, content);
  };
}

/**
 * The base's code, run in the sandbox; its mount points made real directories first (the base's
 * code run before may have moved them).
 */
export async function inSandbox(root: string, cmd: Command, opts: RunOptions = {}) {
  for (const p of sandboxMountPoints) await realDirInRoot(root, p);
  return run(cmd, opts);
}

const archivesPath = '/var/cache/apt/archives';

export function installDocker(b: BaseOptions, o: BuildOptions): Step<BuildContext> {
  return {
    name: 'install-docker',
    title: 'Install Docker into the base (chroot)',
    skip: reusedInstall,
    run: async (ctx, report) => {
      const root = produced(ctx, 'rootfsDir');
      const arch = produced(ctx, 'base').read.arch;
      // /etc/os-release is a symlink into /usr/lib, absolute or not: resolved in the tree.
      const osRelease =
        (await unlessMissing(readTextInRoot(root, '/etc/os-release'), undefined)) ??
        (await unlessMissing(readTextInRoot(root, '/usr/lib/os-release'), ''));
      const codename = codenameOf(osRelease);
      const packages = codename ? dockerPackages(codename) : undefined;
      if (!codename || !packages)
        throw new UserError(
          `the base is Debian '${codename ?? 'unknown'}', which armada has no Docker package list for (it knows the releases in src/apt/suites.json)`,
        );
      const aptCache = cachePath(o.cacheDir, 'apt', arch);
      const policy = '/usr/sbin/policy-rc.d';
      await writeInRoot(root, policy, policyRcD, 0o755);
      const restoreResolv = await borrowResolvConf(root);
      let from: AptSourceChoice;
      try {
        const archives = await mkdirInRoot(root, archivesPath);
        const before = new Set(await debs(archives));
        await copyDebs(aptCache, archives);
        if (b.packagesFrom) {
          from = 'local';
          const names = await debs(b.packagesFrom);
          if (!names.length) throw new UserError(`${b.packagesFrom} holds no .deb files`);
          await copyDebs(b.packagesFrom, await mkdirInRoot(root, localDebsDir));
          report.status(`installing ${names.length} .debs from ${b.packagesFrom}`);
          await inSandbox(
            root,
            aptInstallCommand(
              root,
              'local',
              names.map((n) => `${localDebsDir}/${n}`),
            ),
            {
              onLine: (l) => report.status(l),
            },
          );
        } else {
          report.status("apt-get update (the base's own sources)");
          const own = await inSandbox(root, aptUpdateCommand(root, 'base'), {
            allowFailure: true,
          });
          from = own.exitCode === 0 ? 'base' : 'debian';
          if (from === 'debian') {
            report.status(`the base's sources do not answer; Debian ${codename} instead`);
            await writeInRoot(
              root,
              debianSourcesFile,
              debianSourcesList(await debianUri(), codename, ['main']),
            );
            await inSandbox(root, aptUpdateCommand(root, 'debian'), {
              onLine: (l) => report.status(l),
            });
          }
          await inSandbox(root, aptInstallCommand(root, from, packages), {
            onLine: (l) => report.status(l),
          });
        }
        // New downloads go back to the shared cache for the next build. The base's code has run
        // since `archives` was resolved: resolved again.
        const after = await mkdirInRoot(root, archivesPath);
        await mkdir(aptCache, { recursive: true });
        await copyDebs(after, aptCache, (n) => !before.has(n));
        // strip-identity empties the package cache anyway; gone now, it is neither kept in the
        // installed-base cache nor copied by every later step.
        for (const n of await debs(after)) await rm(join(after, n), { force: true });
      } finally {
        await restoreResolv();
        await rmInRoot(root, policy);
        await rmInRoot(root, debianSourcesFile);
        await rmInRoot(root, localDebsDir, true);
      }
      ctx.baseDockerFrom = from;
      // Kept only when the source was the one the key was made for (a base whose sources
      // answered armada but not its own apt fell back to Debian's archive: another tree).
      const install = ctx.baseInstall;
      if (install && install.inputs.source.kind === from) {
        report.status(`keeping the installed root as ${install.key}`);
        // strip-identity runs on every build's root anyway: stripped first, the entry holds no
        // identity, and its root image (root-image.ts) is sized like the roots made from it
        // rather than for the apt lists and caches every build deletes.
        await stripTree(root);
        await storeInstall(
          o.cacheDir,
          {
            key: install.key,
            baseSha256: install.inputs.baseSha256,
            arch,
            codename,
            dockerFrom: from,
            packages: install.inputs.packages.length,
            createdAt: new Date().toISOString(),
          },
          root,
        );
      }
      report.title(
        `Install Docker into the base (${from === 'local' ? b.packagesFrom : from === 'base' ? "the base's own sources" : `Debian ${codename}`})`,
      );
    },
  };
}
