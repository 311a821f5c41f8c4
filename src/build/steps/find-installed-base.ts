/**
 * build --base: looks the base up in the installed-base cache (plan-install-cache.ts says what the
 * key covers). A hit makes the cached root (Docker installed, the base's first boot taken over)
 * this build's root, as an overlay over the untouched entry or a copy, and the extract, take-over
 * and install steps are skipped;
 * a miss (or --refresh) leaves them to run, and install-docker stores its result under the key.
 */
import type { Step } from '../../progress.js';
import { warnUncheckedPasswords } from '../../base/unchecked-passwords.js';
import {
  findInstall,
  installSourceFor,
  readBaseRelease,
  useInstall,
} from '../../base/install-cache.js';
import { installKey, sourceIsPinned, type InstallInputs } from '../../base/plan-install-cache.js';
import {
  aptInstallCommand,
  dockerPackages,
  policyRcD,
  localDebsDir,
} from '../../base/plan-docker.js';
import type { BaseOptions } from '../../base/opened.js';
import { produced, type BuildContext } from '../context.js';
import type { BuildOptions } from '../options.js';

export function findInstalledBase(b: BaseOptions, o: BuildOptions): Step<BuildContext> {
  return {
    name: 'find-installed-base',
    title: 'Find the base in the installed-base cache',
    run: async (ctx, report) => {
      const { source, read } = produced(ctx, 'base');
      const release = await readBaseRelease({
        path: produced(ctx, 'base').unpacked.image,
        offsetBytes: read.root.offsetBytes,
      });
      const packages = release.codename ? dockerPackages(release.codename) : undefined;
      // An unknown release fails in install-docker, with its message; nothing to key here.
      if (!release.codename || !packages) return;
      report.status('reading the state of the package source');
      const from = await installSourceFor(
        { codename: release.codename, sources: release.sources },
        b.packagesFrom,
      );
      if (!from || !sourceIsPinned(from)) {
        report.title(
          'Find the base in the installed-base cache (package source not pinned: installing)',
        );
        return;
      }
      const names =
        from.kind === 'local' ? from.debs.map((d) => `${localDebsDir}/${d.name}`) : packages;
      const inputs: InstallInputs = {
        baseSha256: source.sha256,
        arch: read.arch,
        codename: release.codename,
        packages,
        source: from,
        // What the take-over writes and what the install runs: a change to either is a new key.
        plan: {
          takeover: read.plan.takeover,
          shadow: read.plan.shadow.text,
          install: aptInstallCommand('/', from.kind, names),
          policyRcD,
        },
        ...(o.sourceDateEpoch !== undefined ? { sourceDateEpoch: o.sourceDateEpoch } : {}),
      };
      const key = installKey(inputs);
      const hit = o.refresh ? undefined : await findInstall(o.cacheDir, key);
      ctx.baseInstall = { reused: false, key, inputs };
      if (!hit) {
        report.title(
          `Find the base in the installed-base cache (${o.refresh ? '--refresh: installing afresh' : `not cached: installing, then keeping it as ${key}`})`,
        );
        return;
      }
      report.status(`using the installed root ${key}`);
      const used = await useInstall(o.cacheDir, key, produced(ctx, 'workDir'));
      const { rootfs, how } = used;
      ctx.rootfsDir = rootfs;
      warnUncheckedPasswords(read.plan);
      ctx.baseInstall = {
        reused: true,
        key,
        inputs,
        entry: hit,
        ...(used.how === 'overlay' ? { overlay: used.trees } : {}),
      };
      report.title(
        `Find the base in the installed-base cache (reused ${key} by ${how}: Docker from ${hit.dockerFrom === 'local' ? b.packagesFrom : hit.dockerFrom === 'base' ? "the base's own sources" : `Debian ${hit.codename}`}, installed ${hit.createdAt})`,
      );
    },
  };
}
