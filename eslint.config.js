import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import armada from './eslint-rules/index.js';

/*
 * Layer rules (docs/architecture.md). They match import specifiers, not resolved files: our
 * imports are relative `.js` paths to `.ts` sources, and a resolver-based rule silently skips an
 * import it cannot resolve, which would make the rule unable to fail.
 *
 * Flat config replaces (does not merge) a rule's options when two blocks set it for one file, so
 * each block below lists every restriction that applies to its files.
 *
 * Specifier patterns start with `up`: `./cli.js` from a file directly in src/ is as much a breach
 * as `../cli.js` from a folder.
 */
const up = '^(\\./|(\\.\\./)+)';
const spawn = [
  { name: 'execa', message: 'Spawn through src/exec.ts only (commands are data).' },
  { name: 'node:child_process', message: 'Spawn through src/exec.ts only (commands are data).' },
  { name: 'child_process', message: 'Spawn through src/exec.ts only (commands are data).' },
];
const fs = ['node:fs', 'node:fs/promises', 'fs', 'fs/promises'].map((name) => ({
  name,
  message: 'Pure module: no file I/O here (plan purely, apply in a step).',
}));
const cliEdge = {
  regex: `${up}(cli|commands)(/|\\.js$)`,
  message: 'Domain code must not import the CLI (src/cli.ts, src/cli/, src/commands/).',
};
const listr = [
  {
    name: 'listr2',
    message:
      'listr2 stays at the edge (src/tasks.ts alone imports it; commands run tasks through it); report through src/progress.ts.',
  },
];
const tasksEdge = {
  regex: `${up}tasks\\.js$`,
  message: 'listr2 stays at the edge (src/commands, src/tasks.ts); report through src/progress.ts.',
};
const execModule = {
  regex: `${up}exec\\.js$`,
  allowTypeImports: true,
  message: 'Pure module: build commands as data (`import type { Command }`), run them in a step.',
};
const commandToCommand = {
  regex: '^\\./|^\\.\\./commands/',
  message:
    'A command must not import another command: move what they share into a domain module (e.g. src/seed/report.ts).',
};
const commandToCli = {
  regex: '^\\.\\./cli(/|\\.js$)',
  message:
    'A command must not import the CLI (src/cli.ts, src/cli/): the CLI calls the command and passes in what only it knows (questions, formatting).',
};
const restrict = (paths, patterns = []) => [
  'error',
  { paths, ...(patterns.length ? { patterns } : {}) },
];
/*
 * Exit codes and process-wide listeners belong to the CLI entry: a library caller keeps its own
 * process, and one place decides how armada ends (src/cli.ts: signals, cleanup, exit code).
 */
const processExit = {
  object: 'process',
  property: 'exit',
  message: 'Only src/cli.ts ends the process: throw an error class (src/errors.ts) instead.',
};
const processListeners = [
  'on',
  'once',
  'addListener',
  'prependListener',
  'prependOnceListener',
].map((property) => ({
  object: 'process',
  property,
  message:
    'Only src/cli.ts listens on the process (signals, exit): register cleanup with src/cleanup.ts.',
}));
const processExitCode = {
  object: 'process',
  property: 'exitCode',
  message:
    "Exit codes are the CLI's (src/cli.ts, src/cli/): throw an error class (src/errors.ts) instead.",
};
const noDynamicSpawn = [
  'error',
  {
    selector: 'ImportExpression[source.value=/^(node:)?child_process$|^execa$/]',
    message: 'Spawn through src/exec.ts only (commands are data).',
  },
];

/** Everything in src/ that is not the CLI edge. */
const domain = ['src/**/*.ts'];
const edge = ['src/cli.ts', 'src/cli/**', 'src/commands/**', 'src/tasks.ts'];
const pure = ['src/**/plan.ts', 'src/**/plan-*.ts', 'src/**/render.ts'];

export default tseslint.config(
  {
    ignores: ['dist/', 'node_modules/', 'coverage/', 'bin/', 'eslint.config.js', 'eslint-rules/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { armada },
    rules: {
      'no-console': 'error',
      'armada/folder-cycles': ['error', { layered: ['cli.ts', 'cli/', 'commands/'] }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli.ts', 'src/cli/**'],
    rules: {
      'no-restricted-properties': ['error', processExit, ...processListeners, processExitCode],
    },
  },
  {
    files: ['src/cli/**'],
    rules: { 'no-restricted-properties': ['error', processExit, ...processListeners] },
  },
  {
    files: ['src/**/*.ts'],
    ignores: [...pure, 'src/exec.ts'],
    rules: { 'armada/pure-claim': 'error' },
  },
  {
    files: ['src/tasks.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(spawn, [cliEdge]),
      'no-restricted-syntax': noDynamicSpawn,
    },
  },
  {
    files: ['src/cli.ts', 'src/cli/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict([...spawn, ...listr]),
      'no-restricted-syntax': noDynamicSpawn,
    },
  },
  {
    files: ['src/exec.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(listr, [cliEdge, tasksEdge]),
    },
  },
  {
    files: ['src/commands/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(
        [...spawn, ...listr],
        [commandToCommand, commandToCli],
      ),
      'no-restricted-syntax': [
        ...noDynamicSpawn,
        {
          selector: 'ImportExpression[source.value=/^\\.\\u002F|^\\.\\.\\u002Fcommands\\u002F/]',
          message: commandToCommand.message,
        },
      ],
    },
  },
  {
    files: domain,
    ignores: [...edge, ...pure, 'src/exec.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(
        [...spawn, ...listr],
        [cliEdge, tasksEdge],
      ),
      'no-restricted-syntax': noDynamicSpawn,
    },
  },
  {
    files: pure,
    ignores: edge,
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(
        [...spawn, ...listr, ...fs],
        [cliEdge, tasksEdge, execModule],
      ),
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'ImportExpression[source.value=/^(node:)?(child_process|fs|fs\\u002Fpromises)$|^execa$/]',
          message: 'Pure module: no file I/O or processes here.',
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
);
