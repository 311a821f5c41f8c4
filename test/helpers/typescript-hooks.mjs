/**
 * Module hooks for the test runner (registered by typescript-loader.mjs): a `.ts` module that Node
 * loads itself is transpiled on the way in, types dropped, nothing checked (tsc checks the sources).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { URL } from 'node:url';

/** @type {typeof import('typescript') | undefined} */
let ts;

/** @type {import('node:module').LoadHook} */
export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  // Loaded on first use: most test workers never start a TypeScript worker thread.
  ts ??= (await import('typescript')).default;
  const source = await readFile(new URL(url), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: url,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  return { format: 'module', source: outputText, shortCircuit: true };
}

/** @type {import('node:module').ResolveHook} */
export async function resolve(specifier, context, nextResolve) {
  // The sources import each other as `./x.js` (NodeNext); from a .ts parent that file is x.ts.
  if (context.parentURL?.endsWith('.ts') && /^\.\.?\/.*\.js$/.test(specifier)) {
    const ts = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
    if (existsSync(ts)) return { url: ts.href, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
