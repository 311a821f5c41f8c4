/**
 * Before anything slow: root, host tools, foreign-architecture emulation, disk space, and the
 * archive we will bootstrap from (whose state keys the stage cache). Offline, no archive is asked:
 * the newest cached stage of these options is this build's, as it is.
 */
import { access, statfs, mkdir } from 'node:fs/promises';
import { arch as hostArch } from 'node:os';
import type { Step } from '../../progress.js';
import { NotRootError, OptionError, UserError } from '../../errors.js';
import { requireTool } from '../../exec.js';
import { toolsCheckedBefore } from '../../host/tools.js';
import { canRun } from '../../host/binfmt.js';
import { checkSignKey } from '../../sign/sign-sums.js';
import type { BuildContext } from '../context.js';
import type { BuildOptions } from '../options.js';
import { mirrorLinesFor, mirrorLinesFromOption, withoutOptions } from '../../apt/apt-sources.js';
import { fetchArchiveState } from '../../apt/archive-state.js';
import { debianArchiveKeyring } from '../plan-bootstrap.js';
import { readHostAptSources } from '../../apt/read-apt-sources.js';
import { buildPackages } from '../packages.js';
import { initramfsModules } from '../initramfs.js';
import { stageKey } from '../stage-cache.js';
import { stagePaths } from '../../cache/layout.js';
import { readStageRecords } from '../stage-records.js';
import { newestOfLineage } from '../plan-refresh.js';
import { formatBinary } from '../../format-bytes.js';

const GiB = 1024 ** 3;

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

export function checkHost(o: BuildOptions): Step<BuildContext> {
  return {
    name: 'check-host',
    title: 'Check the build host',
    run: async (ctx, report) => {
      if (process.getuid?.() !== 0)
        throw new NotRootError('armada build (mmdebstrap, chroot, file ownership)');
      for (const t of toolsCheckedBefore('build')) await requireTool(t);
      if (o.signKey) await checkSignKey(o.signKey);
      if (!(await canRun(o.arch))) {
        throw new UserError(
          `cannot run ${o.arch} programs on this ${hostArch()} machine: qemu-user binfmt is not enabled; run 'sudo scripts/setup-host.sh' (installs qemu-user-static and binfmt-support and enables them)`,
        );
      }
      await mkdir(o.out, { recursive: true });
      await mkdir(o.cacheDir, { recursive: true });
      for (const [dir, need] of [
        [o.cacheDir, 6],
        [o.out, 3],
      ] as const) {
        const s = await statfs(dir);
        const free = s.bavail * s.bsize;
        if (free < need * GiB) {
          throw new OptionError(
            (o) =>
              `only ${formatBinary(free, 'coarse')} free in ${dir}; the build needs about ${need} GiB there (free space or choose another ${o('out')} / ARMADA_CACHE_DIR)`,
          );
        }
      }
      const lines = o.mirror
        ? mirrorLinesFromOption(o.mirror, o.suite, o.components)
        : mirrorLinesFor(await readHostAptSources(), o.suite, o.arch, o.components);
      report.status(
        (lines.length ? `mirror: ${lines.join(' | ')}` : "mirror: mmdebstrap's default") +
          (o.offline ? ' (offline: not asked)' : ''),
      );
      const keyring = o.keyring ?? debianArchiveKeyring;
      if (!(await exists(keyring)))
        throw new OptionError((opt) =>
          o.keyring
            ? `${opt('keyring')} ${o.keyring} does not exist; give the archive's keyring file`
            : `${debianArchiveKeyring} is missing: install it ('sudo apt-get install debian-archive-keyring') or pass ${opt('keyring')} FILE with the archive's key`,
        );
      const state = o.offline ? [] : await fetchArchiveState(lines);
      const inputs = {
        arch: o.arch,
        suite: o.suite,
        // signed-by says how packages are verified, not which are installed.
        mirrorLines: lines.map(withoutOptions),
        components: o.components,
        ...(o.keyring ? { keyring: o.keyring } : {}),
        packages: buildPackages(o),
        initramfsModules: initramfsModules(),
        archiveState: state,
        ...(o.sourceDateEpoch ? { sourceDateEpoch: o.sourceDateEpoch } : {}),
      };
      const lineage = stageKey({ ...inputs, archiveState: [] });
      // Offline, the archive's state is the one the cache saw last: the newest stage of these
      // options is this build's key (the same key, so the same image identifiers, as the build
      // that made it). With none, the key names no stage and find-stage says what is missing.
      const key = o.offline
        ? (newestOfLineage(await readStageRecords(o.cacheDir), lineage)?.key ?? lineage)
        : stageKey(inputs);
      ctx.mirrorLines = lines;
      ctx.stageKey = key;
      ctx.stageLineage = lineage;
      // Timestamps aside, a stage made under another SOURCE_DATE_EPOCH holds the same files.
      ctx.stageFamily = stageKey({
        ...inputs,
        sourceDateEpoch: undefined,
        archiveState: [],
        packages: [],
      });
      ctx.stageRootfs = stagePaths(o.cacheDir, key).rootfs;
    },
  };
}
