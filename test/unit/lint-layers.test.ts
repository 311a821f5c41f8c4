/**
 * The layer rules of docs/architecture.md bite: the repository's own ESLint config, run on small
 * sources placed (in memory) where a breach would be. Type-aware rules are switched off so the
 * sources need not exist on disk; the layer rules are syntactic and stay as configured.
 */
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({
    cwd: root,
    overrideConfig: [tseslint.configs.disableTypeChecked],
  });
});

interface Finding {
  rule: string | null;
  message: string;
}

async function lint(path: string, source: string): Promise<Finding[]> {
  const [result] = await eslint.lintText(source, { filePath: `${root}${path}` });
  return result.messages.map((m) => ({ rule: m.ruleId, message: m.message }));
}

const restricted = '@typescript-eslint/no-restricted-imports';

describe('ESLint layer rules (eslint.config.js)', () => {
  it('domain code may not import the CLI edge', async () => {
    expect(
      await lint('src/build/x.ts', "export { seedOptions } from '../cli/seed-options.js';\n"),
    ).toEqual([{ rule: restricted, message: expect.stringMatching(/must not import the CLI/) }]);
    expect(
      await lint('src/seed/x.ts', "export { runFlash } from '../commands/flash.js';\n"),
    ).toEqual([{ rule: restricted, message: expect.stringMatching(/must not import the CLI/) }]);
  });

  it('only src/exec.ts spawns (static and dynamic imports of execa and child_process)', async () => {
    const spawnOnly = expect.stringMatching(/Spawn through src\/exec\.ts only/);
    expect(await lint('src/build/x.ts', "export { execa } from 'execa';\n")).toEqual([
      { rule: restricted, message: spawnOnly },
    ]);
    expect(await lint('src/cli/x.ts', "export { spawn } from 'node:child_process';\n")).toEqual([
      { rule: restricted, message: spawnOnly },
    ]);
    expect(
      await lint('src/flash/x.ts', "export const m = () => import('node:child_process');\n"),
    ).toEqual([{ rule: 'no-restricted-syntax', message: spawnOnly }]);
    expect(await lint('src/exec.ts', "export { execa } from 'execa';\n")).toEqual([]);
  });

  it('pure plans use no fs and only types from exec.ts', async () => {
    expect(
      await lint('src/build/plan-x.ts', "export { readFile } from 'node:fs/promises';\n"),
    ).toEqual([{ rule: restricted, message: expect.stringMatching(/Pure module: no file I\/O/) }]);
    expect(await lint('src/build/plan-x.ts', "export { run } from '../exec.js';\n")).toEqual([
      { rule: restricted, message: expect.stringMatching(/build commands as data/) },
    ]);
    expect(
      await lint('src/build/plan-x.ts', "export type { Command } from '../exec.js';\n"),
    ).toEqual([]);
  });

  it('listr2 stays at the edge', async () => {
    expect(await lint('src/build/steps/x.ts', "export { Listr } from 'listr2';\n")).toEqual([
      { rule: restricted, message: expect.stringMatching(/listr2 stays at the edge/) },
    ]);
  });

  it('a command does not import another command', async () => {
    const message = expect.stringMatching(/must not import another command/);
    expect(
      await lint('src/commands/x.ts', "export { configureTarget } from './configure.js';\n"),
    ).toEqual([{ rule: restricted, message }]);
    expect(
      await lint('src/commands/x.ts', "export const m = () => import('./configure.js');\n"),
    ).toEqual([{ rule: 'no-restricted-syntax', message }]);
  });

  it('a file within the rules passes', async () => {
    const clean = [
      "import { run } from '../exec.js';",
      "import { log } from '../log.js';",
      "import { seedReport } from '../seed/report.js';",
      'export const uses = [run, log, seedReport];',
      '',
    ].join('\n');
    expect(await lint('src/build/x.ts', clean)).toEqual([]);
    expect(await lint('src/commands/x.ts', clean)).toEqual([]);
  });
});
