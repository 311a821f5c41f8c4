/**
 * A module whose opening comment says it is pure (a sentence that starts with "Pure") is held to
 * what docs/architecture.md promises of pure modules: no file I/O and only types from exec.ts
 * (commands are data). Modules named plan.ts, plan-*.ts and render.ts get the same rules from
 * eslint.config.js by name. A claim about one function ("Pure: …" on the function) or one part
 * ("the parser is pure") is not a claim about the module.
 */
const fsModules = new Set(['fs', 'fs/promises', 'node:fs', 'node:fs/promises']);
const execModule = /^(\.\/|(\.\.\/)+)exec\.js$/;
const claim = /(^|[\s*])Pure\b/;

/** The comment before the first statement, if the file opens with one. */
function openingComment(sourceCode) {
  const first = sourceCode.ast.body[0];
  const comments = first ? sourceCode.getCommentsBefore(first) : sourceCode.getAllComments();
  return comments[0]?.value;
}

/** Only types: `import type {…}`, `export type {…}`, or every specifier marked `type`. */
function typesOnly(node) {
  if (node.importKind === 'type' || node.exportKind === 'type') return true;
  const specifiers = node.specifiers ?? [];
  return (
    specifiers.length > 0 &&
    specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type')
  );
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'Modules that call themselves pure do no I/O and spawn nothing.' },
    schema: [],
    messages: {
      fs: 'Pure module (its opening comment says so): no file I/O here (plan purely, apply in a step).',
      exec: 'Pure module (its opening comment says so): build commands as data (`import type { Command }`), run them in a step.',
    },
  },
  create(context) {
    const comment = openingComment(context.sourceCode);
    if (!comment || !claim.test(comment)) return {};
    const check = (node, source, types) => {
      if (typeof source?.value !== 'string') return;
      if (fsModules.has(source.value)) context.report({ node: source, messageId: 'fs' });
      else if (execModule.test(source.value) && !types)
        context.report({ node: source, messageId: 'exec' });
    };
    return {
      ImportDeclaration: (n) => check(n, n.source, typesOnly(n)),
      ExportNamedDeclaration: (n) => check(n, n.source, typesOnly(n)),
      ExportAllDeclaration: (n) => check(n, n.source, n.exportKind === 'type'),
      ImportExpression: (n) => check(n, n.source, false),
    };
  },
};
