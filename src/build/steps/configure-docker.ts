/**
 * Docker: daemon.json (overlay2, TLS paths), the systemd drop-in that listens on 2376 with
 * tlsverify, and — only with --insecure-tcp — the 2375 socket. Rendered by src/firstboot.
 */
import type { Step } from '../../progress.js';
import type { BuildContext } from '../context.js';
import type { BuildOptions } from '../options.js';
import { applyFiles } from '../apply-files.js';
import { planFirstBootFiles } from '../../firstboot/plan.js';

export function configureDocker(o: BuildOptions, buildTime: Date): Step<BuildContext> {
  return {
    name: 'configure-docker',
    title: `Configure Docker (TLS on 2376${o.insecureTcp ? ' AND plain TCP on 2375' : ''})`,
    run: async (ctx) => {
      const plan = planFirstBootFiles(
        {
          armadaVersion: o.armadaVersion,
          insecureTcp: o.insecureTcp,
          builtAt: buildTime.toISOString(),
        },
        'docker',
      );
      await applyFiles(ctx.rootfsDir!, plan.files, plan.symlinks, buildTime);
    },
  };
}
