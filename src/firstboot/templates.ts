/**
 * The handlebars sources under src/templates/, which ship with armada (package.json "files";
 * `npm run build` copies them to dist/templates). The only I/O behind render(): it reads
 * armada's own files, never the user's, so rendering stays deterministic.
 *
 * All of them are read once, on first use, and kept: a build renders at its start and never
 * goes back to the disk, so rebuilding dist/ while a build runs cannot change or break it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InternalError } from '../errors.js';

// src/firstboot/ -> src/templates/ when run from source; dist/firstboot/ -> dist/templates/ when
// built, or the package's src/templates/ when dist/ has none.
const candidates = [
  new URL('../templates/', import.meta.url),
  new URL('../../src/templates/', import.meta.url),
];

const templatesDir: string = fileURLToPath(
  candidates.find((dir) => existsSync(new URL('firstboot.sh.hbs', dir))) ?? candidates[0],
);

let loaded: ReadonlyMap<string, string> | undefined;

/** Every `*.hbs` below templatesDir, by its path without `.hbs`. */
function allTemplates(): ReadonlyMap<string, string> {
  if (loaded) return loaded;
  const out = new Map<string, string>();
  let names: string[];
  try {
    names = readdirSync(templatesDir, { recursive: true, encoding: 'utf8' });
  } catch (error) {
    throw new InternalError(
      `armada's templates are missing (${templatesDir}: ${(error as { code?: string }).code ?? String(error)}); is the armada package complete?`,
    );
  }
  for (const name of names.sort())
    if (name.endsWith('.hbs'))
      out.set(name.slice(0, -'.hbs'.length), readFileSync(`${templatesDir}/${name}`, 'utf8'));
  loaded = out;
  return out;
}

/** `name` is the path under src/templates/ without `.hbs`, e.g. `systemd/armada-firstboot.service`. */
export function readTemplate(name: string): string {
  if (!/^[a-z0-9][a-z0-9./-]*$/.test(name) || name.split('/').includes('..'))
    throw new InternalError(`bad template name ${name}`);
  const source = allTemplates().get(name);
  if (source === undefined)
    throw new InternalError(
      `template ${name} is missing (${templatesDir}/${name}.hbs); is the armada package complete?`,
    );
  return source;
}

/** Partials (src/templates/partials/<name>.sh.hbs), by name without extensions: `seed-parser`. */
export function readPartials(): Record<string, string> {
  const partials: Record<string, string> = {};
  for (const [name, source] of allTemplates())
    if (name.startsWith('partials/'))
      partials[name.slice('partials/'.length).replace(/\.sh$/, '')] = source;
  return partials;
}
