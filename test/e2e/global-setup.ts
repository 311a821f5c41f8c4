/**
 * Builds the default image once for all e2e tests, exactly as a user would (`armada build`), with
 * the package and stage caches warm from earlier runs. Progress goes to the CI log.
 */
import { execFile } from 'node:child_process';
import { rm, mkdir, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import type { BuildResult } from '../../src/commands/build.js';

declare module 'vitest' {
  export interface ProvidedContext {
    build: BuildResult | null;
    buildError: string | null;
    e2eOut: string;
  }
}

const run = promisify(execFile);

/** A fixed SOURCE_DATE_EPOCH for suites that build their own image (base-image.test.ts). */
export const reproducibleEpoch = '1767225600';

export default async function setup(project: TestProject): Promise<void> {
  const out = process.env.ARMADA_E2E_OUT ?? '/var/tmp/armada-e2e/out';
  project.provide('e2eOut', out);
  if (process.getuid?.() !== 0) {
    project.provide('build', null);
    project.provide('buildError', 'e2e tests need root (CI runs as root)');
    return;
  }
  // For running only suites that make their own image (base-image.test.ts): no default build.
  if (process.env.ARMADA_E2E_BUILD === '0' && !process.env.CI) {
    project.provide('build', null);
    project.provide('buildError', 'the default image was not built (ARMADA_E2E_BUILD=0)');
    return;
  }
  // For local iteration only: ARMADA_E2E_REUSE=1 tests the last build instead of building again.
  if (process.env.ARMADA_E2E_REUSE === '1' && !process.env.CI) {
    const { readFile } = await import('node:fs/promises');
    const previous = await readFile(`${out}/../build.json`, 'utf8').catch(() => '');
    if (previous) {
      project.provide('build', JSON.parse(previous) as BuildResult);
      project.provide('buildError', null);
      return;
    }
  }
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const started = Date.now();
  // No SOURCE_DATE_EPOCH, as `make image` runs it: the build's time comes from the stage, so the
  // reproducibility test can rebuild plainly and compare.
  const env = { ...process.env };
  delete env.SOURCE_DATE_EPOCH;
  const child = run('node', ['bin/armada.js', 'build', '--out', out, '--json'], {
    maxBuffer: 64 << 20,
    timeout: 75 * 60_000,
    env,
  });
  child.child.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
  try {
    const { stdout } = await child;
    project.provide('build', JSON.parse(stdout) as BuildResult);
    project.provide('buildError', null);
    await writeFile(`${out}/../build.json`, stdout);
    process.stderr.write(`e2e: armada build took ${Math.round((Date.now() - started) / 1000)} s\n`);
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    project.provide('build', null);
    project.provide(
      'buildError',
      `armada build failed: ${err.message}\n${String(err.stderr ?? '').slice(-4000)}`,
    );
  }
}
