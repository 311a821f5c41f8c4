/**
 * The handlebars sources under src/templates/, which ship with armada (package.json "files").
 * The only I/O behind render(): it reads armada's own files, never the user's, so rendering
 * stays deterministic.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InternalError } from '../errors.js';

// src/firstboot/ -> src/templates/ when run from source; dist/firstboot/ -> src/templates/ when built.
const candidates = [
  new URL('../templates/', import.meta.url),
  new URL('../../src/templates/', import.meta.url),
];

export const templatesDir: string = fileURLToPath(
  candidates.find((dir) => existsSync(new URL('firstboot.sh.hbs', dir))) ?? candidates[0],
);

/** `name` is the path under src/templates/ without `.hbs`, e.g. `systemd/armada-firstboot.service`. */
export function readTemplate(name: string): string {
  if (!/^[a-z0-9][a-z0-9./-]*$/.test(name) || name.split('/').includes('..'))
    throw new InternalError(`bad template name ${name}`);
  const path = `${templatesDir}/${name}.hbs`;
  if (!existsSync(path))
    throw new InternalError(
      `template ${name} is missing (${path}); is the armada package complete?`,
    );
  return readFileSync(path, 'utf8');
}

/** Partials (src/templates/partials/<name>.sh.hbs), by name without extensions: `seed-parser`. */
export function readPartials(): Record<string, string> {
  const dir = `${templatesDir}/partials`;
  const partials: Record<string, string> = {};
  for (const file of readdirSync(dir).sort()) {
    if (file.endsWith('.hbs'))
      partials[file.replace(/(\.sh)?\.hbs$/, '')] = readFileSync(`${dir}/${file}`, 'utf8');
  }
  return partials;
}
