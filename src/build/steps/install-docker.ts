/**
 * build --base: Docker and the tools armada's first boot uses, installed into the base's root
 * filesystem by its own apt through chroot (qemu-user via binfmt for a foreign architecture).
 * Package sources in order: --packages-from (offline), the base's own sources when they answer,
 * else Debian's archive for the base's release at the build host's mirror. The package cache
 * (cacheDir/apt/<arch>) is shared with from-scratch builds. No service starts in the chroot.
 */
import {
  copyFile,
  lstat,
  mkdir,
  readFile,
  readlink,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import type { Step } from '../../progress.js';
import { reusedInstall } from './find-installed-base.js';
import { run } from '../../exec.js';
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
import type { BuildContext } from '../context.js';
import type { BuildOptions } from '../options.js';
import { codenameOf, debs, hostDebianUri, storeInstall } from '../../base/install-cache.js';
import { unlessMissing } from '../../fs-errors.js';
import { cachePath } from '../../cache/layout.js';
import { stripTree } from './strip-identity.js';

async function copyDebs(from: string, to: string, only?: (name: string) => boolean) {
  await mkdir(to, { recursive: true });
  for (const n of await debs(from))
    if (!only || only(n)) await copyFile(join(from, n), join(to, n));
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

/** The chroot's resolv.conf is often a symlink into /run: the host's, for the install only. */
async function borrowResolvConf(root: string): Promise<() => Promise<void>> {
  const path = join(root, 'etc/resolv.conf');
  const st = await unlessMissing(lstat(path), undefined);
  const link = st?.isSymbolicLink() ? await readlink(path) : undefined;
  const content = st?.isFile() ? await readFile(path) : undefined;
  await rm(path, { force: true });
  await writeFile(path, await unlessMissing(readFile('/etc/resolv.conf'), ''));
  return async () => {
    await rm(path, { force: true });
    if (link !== undefined) await symlink(link, path);
    else if (content !== undefined) await writeFile(path, content);
  };
}

export function installDocker(b: BaseOptions, o: BuildOptions): Step<BuildContext> {
  return {
    name: 'install-docker',
    title: 'Install Docker into the base (chroot)',
    skip: reusedInstall,
    run: async (ctx, report) => {
      const root = ctx.rootfsDir!;
      const arch = ctx.base!.read.arch;
      // /etc/os-release is a symlink into /usr/lib; an absolute one would resolve on the host.
      const osRelease =
        (await unlessMissing(readFile(join(root, 'usr/lib/os-release'), 'utf8'), undefined)) ??
        (await unlessMissing(readFile(join(root, 'etc/os-release'), 'utf8'), ''));
      const codename = codenameOf(osRelease);
      const packages = codename ? dockerPackages(codename) : undefined;
      if (!codename || !packages)
        throw new UserError(
          `the base is Debian '${codename ?? 'unknown'}', which armada has no Docker package list for (it knows the releases in src/build/suites.json)`,
        );
      const aptCache = cachePath(o.cacheDir, 'apt', arch);
      const archives = join(root, 'var/cache/apt/archives');
      const policy = join(root, 'usr/sbin/policy-rc.d');
      await writeFile(policy, policyRcD, { mode: 0o755 });
      const restoreResolv = await borrowResolvConf(root);
      // A base image's /dev is empty (devtmpfs fills it at boot) and debugfs does not copy device
      // nodes; apt and dpkg need /dev/null. /proc for the maintainer scripts that read it.
      const mounts = [join(root, 'dev'), join(root, 'proc')];
      await mkdir(mounts[0], { recursive: true });
      await run(['mount', ['--bind', '/dev', mounts[0]]]);
      await run(['mount', ['-t', 'proc', 'proc', mounts[1]]]);
      let from: AptSourceChoice;
      try {
        const before = new Set(await debs(archives));
        await copyDebs(aptCache, archives);
        if (b.packagesFrom) {
          from = 'local';
          const names = await debs(b.packagesFrom);
          if (!names.length) throw new UserError(`${b.packagesFrom} holds no .deb files`);
          await copyDebs(b.packagesFrom, join(root, localDebsDir));
          report.status(`installing ${names.length} .debs from ${b.packagesFrom}`);
          await run(
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
          const own = await run(aptUpdateCommand(root, 'base'), { allowFailure: true });
          from = own.exitCode === 0 ? 'base' : 'debian';
          if (from === 'debian') {
            report.status(`the base's sources do not answer; Debian ${codename} instead`);
            await writeFile(
              join(root, debianSourcesFile),
              debianSourcesList(await debianUri(), codename, ['main']),
            );
            await run(aptUpdateCommand(root, 'debian'), { onLine: (l) => report.status(l) });
          }
          await run(aptInstallCommand(root, from, packages), { onLine: (l) => report.status(l) });
        }
        // New downloads go back to the shared cache for the next build.
        await mkdir(aptCache, { recursive: true });
        await copyDebs(archives, aptCache, (n) => !before.has(n));
        // strip-identity empties the package cache anyway; gone now, it is neither kept in the
        // installed-base cache nor copied by every later step.
        for (const n of await debs(archives)) await rm(join(archives, n));
      } finally {
        for (const m of mounts.reverse())
          await run(['umount', ['--lazy', m]], { allowFailure: true });
        await restoreResolv();
        await rm(policy, { force: true });
        await rm(join(root, debianSourcesFile), { force: true });
        await rm(join(root, localDebsDir), { recursive: true, force: true });
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
