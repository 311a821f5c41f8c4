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
