/**
 * The installed kernel must run Docker (overlay2 included). A missing required option fails the
 * build with the list; --allow-missing-kernel-options overrides, and the manifest records it.
 */
import type { Step } from '../../progress.js';
import { log } from '../../log.js';
import {
  checkFailedError,
  checkKernelConfig,
  readKernelConfig,
  summaryLine,
} from '../../kernel/index.js';
import { produced, type BuildContext } from '../context.js';
import type { BuildOptions } from '../options.js';
import { cmdlineTxt } from '../../image/plan-image.js';
import { deriveIds } from '../../image/plan-image.js';

export function verifyKernelConfig(o: BuildOptions): Step<BuildContext> {
  return {
    name: 'verify-kernel-config',
    title:
      'Verify the kernel config (Docker, overlay2' +
      (o.requireKernel.length ? `, ${o.requireKernel.join(', ')}` : '') +
      ')',
    run: async (ctx, report) => {
      const source = await readKernelConfig(produced(ctx, 'rootfsDir'));
      // The command line this image will boot with (cmdline.txt), for the memory-cgroup check.
      const cmdline = cmdlineTxt({
        layout: {
          ...deriveIds('probe'),
          boot: { offsetBytes: 0, sizeBytes: 0 },
          root: { offsetBytes: 0, sizeBytes: 0 },
          totalBytes: 0,
        },
        arch: o.arch,
      });
      const result = checkKernelConfig(source.config, { require: o.requireKernel, cmdline });
      const missing = result.missingRequired.map((m) => `CONFIG_${m.option}`);
      ctx.kernel = {
        ok: result.ok,
        version: source.version ?? 'unknown',
        missingRequired: missing,
        overridden: !result.ok && o.allowMissingKernelOptions,
      };
      report.title(`Verify the kernel config: ${summaryLine(result)}`);
      if (!result.ok) {
        if (!o.allowMissingKernelOptions) throw checkFailedError(result);
        log.warn(
          `kernel ${source.version ?? ''} lacks required options (${missing.join(', ')}); building anyway because missing kernel options are allowed for this build (recorded in the manifest)`,
        );
      }
    },
  };
}
