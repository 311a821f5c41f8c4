/**
 * Docker: daemon.json (overlay2, TLS paths), the systemd drop-in that listens on 2376 with
 * tlsverify, and — only with --insecure-tcp — the 2375 socket: the docker part of the
 * first-boot plan (src/firstboot/plan.ts).
 */
import type { Step } from '../../progress.js';
import type { BuildContext } from '../context.js';
import type { BuildOptions } from '../options.js';
import { writeFirstBootPart, type FirstBootParts } from '../first-boot-part.js';

export function configureDocker(
  o: BuildOptions,
  plan: FirstBootParts,
  buildTime: Date,
): Step<BuildContext> {
  const title = `Configure Docker (TLS on 2376${o.insecureTcp ? ' AND plain TCP on 2375' : ''})`;
  return writeFirstBootPart('configure-docker', title, plan.docker, buildTime);
}
