/**
 * Collects user-data problems with the line they are on. Values are checked as plain JS (from
 * `doc.toJS()`); the line is found afterwards by walking the YAML nodes along the same path.
 */
import {
  CST,
  isMap,
  isPair,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
} from 'yaml';
import type { Problem } from './types.js';
import type { Finding } from './validate.js';

export type Path = readonly (string | number)[];

function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out || '(document)';
}

export class ProblemList {
  readonly problems: Problem[] = [];

  constructor(
    private readonly doc?: Document,
    private readonly lines?: LineCounter,
  ) {}

  error(path: Path, message: string, fix: string): void {
    this.add('error', path, message, fix);
  }

  warn(path: Path, message: string, fix: string): void {
    this.add('warning', path, message, fix);
  }

  /** A validator's finding as an error at `path` (no-op when the value was fine). */
  check(path: Path, finding: Finding | undefined): boolean {
    if (finding) this.error(path, finding.message, finding.fix);
    return !finding;
  }

  get hasErrors(): boolean {
    return this.problems.some((p) => p.severity === 'error');
  }

  add(
    severity: Problem['severity'],
    path: Path,
    message: string,
    fix: string,
    line?: number,
  ): void {
    const at = line ?? this.lineOf(path);
    this.problems.push({
      severity,
      ...(at ? { line: at } : {}),
      path: formatPath(path),
      message,
      fix,
    });
  }

  /** 1-based line of the key (or item) at `path`; the nearest existing ancestor when it is missing. */
  lineOf(path: Path): number | undefined {
    if (!this.doc || !this.lines) return undefined;
    let node: unknown = this.doc.contents;
    let offset: number | undefined = (node as Node | null)?.range?.[0];
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === seg);
        if (!pair) break;
        offset = (pair.key as Node).range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg] as Node | undefined;
        if (!item) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else break;
    }
    return offset === undefined ? undefined : this.lines.linePos(offset).line;
  }
}

/** "user-data.yaml:12: users[0].passwd: <message> — <fix>", the compiler-style form shown to users. */
/** The lexer's markers that stand for no character of the source. */
const markers = new Set(['\x02', '\x18', '\x1f']);

/**
 * Each anchor (`&name`) and alias (`*name`) with its offset. They are refused: a value defined in
 * one place and used in another is easy to misread (a password reused under a harmless key), and
 * an alias can make a short file expand into a large one.
 */
function anchorsAndAliases(text: string): { token: string; kind: string; offset: number }[] {
  const found: { token: string; kind: string; offset: number }[] = [];
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    const kind = CST.tokenType(token);
    if (kind === 'anchor' || kind === 'alias') found.push({ token, kind, offset });
    if (!markers.has(token)) offset += token.length;
  }
  return found;
}

/**
 * A cloud-init YAML file as cloud-init reads it (YAML 1.1, unique keys), with a problem list that
 * names lines; a syntax error, an anchor or an alias is listed as the problem and leaves `doc` out.
 */
export function openYaml(
  text: string,
): { doc: Document; p: ProblemList } | { doc?: undefined; p: ProblemList } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { version: '1.1', lineCounter, uniqueKeys: true });
  const p = new ProblemList(doc, lineCounter);
  for (const e of doc.errors)
    p.add(
      'error',
      [],
      `YAML syntax: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
      'fix the YAML (indentation, quotes, colons)',
      e.linePos?.[0].line,
    );
  if (doc.errors.length) return { p };
  const refs = anchorsAndAliases(text);
  for (const r of refs)
    p.add(
      'error',
      [],
      `YAML ${r.kind} '${r.token}' is not accepted (armada reads every value where it is written)`,
      r.kind === 'anchor'
        ? `remove '${r.token}' and write the value out wherever it is used`
        : `write the value out here instead of '${r.token}'`,
      lineCounter.linePos(r.offset).line,
    );
  return refs.length ? { p } : { doc, p };
}

export function formatProblem(p: Problem, file?: string): string {
  const where = file ? `${file}${p.line ? `:${p.line}` : ''}: ` : p.line ? `line ${p.line}: ` : '';
  return `${where}${p.path}: ${p.message} — ${p.fix}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array)
  );
}

/** A YAML value as the user wrote it, for messages. */
export function show(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined || typeof value !== 'object') return String(value);
  return JSON.stringify(value);
}
