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

  it('a file directly in src/ may not import the CLI or tasks.ts either', async () => {
    const cli = expect.stringMatching(/must not import the CLI/);
    expect(await lint('src/x.ts', "export { main } from './cli.js';\n")).toEqual([
      { rule: restricted, message: cli },
    ]);
    expect(await lint('src/x.ts', "export { printResult } from './cli/context.js';\n")).toEqual([
      { rule: restricted, message: cli },
    ]);
    expect(await lint('src/x.ts', "export { runFlash } from './commands/flash.js';\n")).toEqual([
      { rule: restricted, message: cli },
    ]);
    expect(await lint('src/x.ts', "export { runTasks } from './tasks.js';\n")).toEqual([
      { rule: restricted, message: expect.stringMatching(/listr2 stays at the edge/) },
    ]);
  });

  it('a module whose opening comment says it is pure is held to it', async () => {
    const claim = '/**\n * What to do. Pure: the step applies it.\n */\n';
    expect(
      await lint('src/flash/x.ts', `${claim}export { readFile } from 'node:fs/promises';\n`),
    ).toEqual([{ rule: 'armada/pure-claim', message: expect.stringMatching(/no file I\/O/) }]);
    expect(
      await lint('src/flash/x.ts', `${claim}export const m = () => import('node:fs');\n`),
    ).toEqual([{ rule: 'armada/pure-claim', message: expect.stringMatching(/no file I\/O/) }]);
    expect(await lint('src/flash/x.ts', `${claim}export { run } from '../exec.js';\n`)).toEqual([
      { rule: 'armada/pure-claim', message: expect.stringMatching(/build commands as data/) },
    ]);
    expect(
      await lint('src/x.ts', `${claim}import { run } from './exec.js';\nexport { run };\n`),
    ).toEqual([
      { rule: 'armada/pure-claim', message: expect.stringMatching(/build commands as data/) },
    ]);
    expect(
      await lint('src/flash/x.ts', `${claim}export type { Command } from '../exec.js';\n`),
    ).toEqual([]);
    // A claim about one function, or about one part, is not a claim about the module.
    const part = [
      '/**\n * Reads the table. The parser is pure.\n */',
      "import { readFile } from 'node:fs/promises';",
      '/** Pure: the lines of a text. */',
      "export const lines = (t: string) => t.split('\\n');",
      'export { readFile };',
      '',
    ].join('\n');
    expect(await lint('src/flash/x.ts', part)).toEqual([]);
  });

  it('listr2 is imported by src/tasks.ts alone, not by commands or CLI adapters', async () => {
    const message = expect.stringMatching(/listr2 stays at the edge/);
    expect(await lint('src/commands/x.ts', "export { Listr } from 'listr2';\n")).toEqual([
      { rule: restricted, message },
    ]);
    expect(await lint('src/commands/x.ts', "export type { ListrTask } from 'listr2';\n")).toEqual([
      { rule: restricted, message },
    ]);
    expect(await lint('src/cli/x.ts', "export { Listr } from 'listr2';\n")).toEqual([
      { rule: restricted, message },
    ]);
    expect(await lint('src/tasks.ts', "export { Listr } from 'listr2';\n")).toEqual([]);
  });

  it('a command does not import the CLI (which imports the commands)', async () => {
    const message = expect.stringMatching(/A command must not import the CLI/);
    expect(await lint('src/commands/x.ts', "export { canAsk } from '../cli/prompt.js';\n")).toEqual(
      [{ rule: restricted, message }],
    );
    expect(await lint('src/commands/x.ts', "export { main } from '../cli.js';\n")).toEqual([
      { rule: restricted, message },
    ]);
  });

  it('only the CLI ends the process, sets its exit code or listens on it', async () => {
    const exit = expect.stringMatching(/Only src\/cli\.ts ends the process/);
    const listens = expect.stringMatching(/Only src\/cli\.ts listens on the process/);
    const code = expect.stringMatching(/Exit codes are the CLI's/);
    const rule = 'no-restricted-properties';
    expect(await lint('src/flash/x.ts', 'export const stop = () => process.exit(4);\n')).toEqual([
      { rule, message: exit },
    ]);
    expect(
      await lint('src/commands/x.ts', 'export const end = () => (process.exitCode = 4);\n'),
    ).toEqual([{ rule, message: code }]);
    for (const call of [
      "process.on('SIGINT', f)",
      "process.once('exit', f)",
      "process.addListener('SIGTERM', f)",
    ])
      expect(await lint('src/cleanup.ts', `const f = () => undefined;\n${call};\n`)).toEqual([
        { rule, message: listens },
      ]);
    expect(await lint('src/cli/x.ts', "process.on('SIGINT', () => undefined);\n")).toEqual([
      { rule, message: listens },
    ]);
    expect(
      await lint('src/cli/x.ts', 'export const fail = () => (process.exitCode = 1);\n'),
    ).toEqual([]);
    expect(
      await lint('src/cli.ts', "process.on('SIGINT', () => process.exit(process.exitCode));\n"),
    ).toEqual([]);
  });

  it('no import closes a cycle between the folders of src/', async () => {
    const cycle = (from: string, to: string) => [
      {
        rule: 'armada/folder-cycles',
        message: expect.stringMatching(
          new RegExp(`^${from} → ${to} closes a cycle between folders: ${to} → `),
        ),
      },
    ];
    // kernel/ reads disk images through image/, so image/ may not need kernel/.
    expect(
      await lint('src/image/x.ts', "export { readKernelConfig } from '../kernel/index.js';\n"),
    ).toEqual(cycle('image/', 'kernel/'));
    expect(
      await lint('src/image/x.ts', "export type { KernelConfig } from '../kernel/index.js';\n"),
    ).toEqual(cycle('image/', 'kernel/'));
    expect(
      await lint('src/image/x.ts', "export const m = () => import('../kernel/index.js');\n"),
    ).toEqual(cycle('image/', 'kernel/'));
    // build/ runs base/'s plans, so base/ may not need build/ (subfolders count with their folder).
    expect(
      await lint('src/base/x.ts', "export { buildPipeline } from '../build/pipeline.js';\n"),
    ).toEqual(cycle('base/', 'build/'));
    // A file directly in src/ is a node of its own: errors.ts is below everything.
    expect(await lint('src/errors.ts', "export { log } from './build/options.js';\n")).toEqual(
      cycle('errors.ts', 'build/'),
    );
    // The direction that exists is fine; so is an import within one folder.
    expect(await lint('src/kernel/x.ts', "export { readExt4 } from '../image/ext4.js';\n")).toEqual(
      [],
    );
    expect(
      await lint('src/build/steps/x.ts', "export { buildDefaults } from '../options.js';\n"),
    ).toEqual([]);
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
