/**
 * No cycles between the folders of src/ (docs/architecture.md, "Dependency directions"). A node is
 * a folder directly under src/ (subfolders belong to it) or a file directly in src/. An import
 * from node A to node B is an error when B already reaches A through the imports of the other
 * files, as they are on disk; the file being linted counts with its own text, so an editor or a
 * test that lints a source in memory sees the cycle it would close. Type-only imports count: they
 * are a dependency as much as any other.
 *
 * Option `layered`: nodes that other rules already keep every other node from importing (the CLI
 * edge); an import of one is theirs to report, once, with their own message.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const src = resolve(import.meta.dirname, '../src');

/** `base/`, or `log.ts` for a file directly in src/; undefined outside src/. */
function nodeOf(path) {
  const rel = relative(src, path);
  if (rel.startsWith('..') || rel === '') return undefined;
  const [first, ...rest] = rel.split(sep);
  return rest.length ? `${first}/` : first.replace(/\.js$/, '.ts');
}

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'templates' ? [] : sourceFiles(path);
    return /\.ts$/.test(e.name) ? [path] : [];
  });
}

/** Relative import targets of a source text, as absolute paths. */
function targetsOf(file, text) {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles
    .map((f) => f.fileName)
    .filter((spec) => spec.startsWith('./') || spec.startsWith('../'))
    .map((spec) => resolve(dirname(file), spec));
}

let cached;

/** node → (node → a file that makes the edge, and what it imports), from the files on disk. */
function diskGraph() {
  if (cached) return cached;
  const graph = new Map();
  for (const file of sourceFiles(src)) {
    const from = nodeOf(file);
    for (const target of targetsOf(file, readFileSync(file, 'utf8'))) {
      const to = nodeOf(target);
      if (!to || to === from) continue;
      if (!graph.has(from)) graph.set(from, new Map());
      if (!graph.get(from).has(to)) graph.get(from).set(to, { file, target });
    }
  }
  cached = graph;
  return graph;
}

/** The shortest chain of edges from `start` to `goal`, or undefined when there is none. */
function chain(graph, start, goal) {
  const cameFrom = new Map([[start, undefined]]);
  const queue = [start];
  while (queue.length) {
    const node = queue.shift();
    if (node === goal) {
      const hops = [];
      for (let n = goal; cameFrom.get(n); n = cameFrom.get(n).node) hops.unshift(cameFrom.get(n));
      return hops;
    }
    for (const [next, witness] of graph.get(node) ?? []) {
      if (cameFrom.has(next)) continue;
      cameFrom.set(next, { node, next, witness });
      queue.push(next);
    }
  }
  return undefined;
}

const show = (path) => relative(resolve(src, '..'), path);

export default {
  meta: {
    type: 'problem',
    docs: { description: 'Forbid import cycles between the folders of src/.' },
    schema: [
      {
        type: 'object',
        properties: { layered: { type: 'array', items: { type: 'string' } } },
        additionalProperties: false,
      },
    ],
    messages: {
      cycle:
        '{{from}} → {{to}} closes a cycle between folders: {{back}}. Decide which way the dependency runs and move the shared piece down (docs/architecture.md).',
    },
  },
  create(context) {
    const file = context.physicalFilename;
    const from = nodeOf(file);
    if (!from) return {};
    const layered = new Set(context.options[0]?.layered ?? []);
    const check = (source) => {
      if (typeof source?.value !== 'string' || !source.value.startsWith('.')) return;
      const to = nodeOf(resolve(dirname(file), source.value));
      if (!to || to === from || layered.has(to)) return;
      // A chain back to `from` ends where it first reaches it, so this file's own edges (out of
      // `from`) never matter: the graph on disk answers for the text being linted too.
      const hops = chain(diskGraph(), to, from);
      if (!hops) return;
      const back = hops
        .map(
          (h) =>
            `${h.node} → ${h.next} (${show(h.witness.file)} imports ${show(h.witness.target.replace(/\.js$/, '.ts'))})`,
        )
        .join(', ');
      context.report({ node: source, messageId: 'cycle', data: { from, to, back } });
    };
    return {
      ImportDeclaration: (n) => check(n.source),
      ExportNamedDeclaration: (n) => check(n.source),
      ExportAllDeclaration: (n) => check(n.source),
      ImportExpression: (n) => check(n.source),
    };
  },
};
