import { inject } from 'vitest';
import type { BuildResult } from '../../src/commands/build.js';
import { isRoot } from '../helpers/needs.js';

/** The image global-setup built; throws its build error so each test shows why. */
export function builtImage(): { build: BuildResult; image: string; out: string } {
  const build = inject('build');
  if (!build) throw new Error(inject('buildError') ?? 'no build');
  const image = build.artifacts.find((a) => a.kind === 'img')!.path;
  return { build, image, out: inject('e2eOut') };
}

/** e2e suites need root (QEMU, loop devices, the build); see test/helpers/needs.ts. */
export const e2eSkip = !isRoot;

/**
 * e2e suites written but not yet seen passing on a quiet CI machine run only with
 * ARMADA_E2E_EXTRA=1; otherwise they skip, and the skip reporter names them at the end of the
 * run. A suite leaves this list once it has passed in a full `make test`.
 */
export function unprovenSuite(): string | undefined {
  return process.env.ARMADA_E2E_EXTRA === '1'
    ? undefined
    : 'not yet proven in a full make test; ARMADA_E2E_EXTRA=1 runs it';
}
