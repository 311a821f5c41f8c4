/**
 * `npm run build` makes a complete dist/: tsc, then scripts/copy-templates.sh, which swaps a
 * whole new copy of src/templates in (a stale template never survives, nothing half-copied).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { suiteTempDir } from '../helpers/tmp.js';

const root = new URL('../../', import.meta.url).pathname;

async function tree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

test('copy-templates replaces the destination with exactly src/templates', async () => {
  const dir = await suiteTempDir('armada-copy-templates-');
  const dest = join(dir, 'dist', 'templates');
  await mkdir(join(dest, 'systemd'), { recursive: true });
  await writeFile(join(dest, 'systemd', 'removed-long-ago.service.hbs'), 'stale');
  await writeFile(join(dest, 'firstboot.sh.hbs'), 'stale');
  execFileSync('sh', [join(root, 'scripts/copy-templates.sh'), dest]);
  const want = await tree(join(root, 'src/templates'));
  expect(want).toContain('firstboot.sh.hbs');
  expect(await tree(dest)).toEqual(want);
  expect(await readFile(join(dest, 'firstboot.sh.hbs'), 'utf8')).toBe(
    await readFile(join(root, 'src/templates/firstboot.sh.hbs'), 'utf8'),
  );
  // No half-made or old copies left beside it.
  expect(await readdir(join(dir, 'dist'))).toEqual(['templates']);
});

test('npm run build and the host set-up build dist/ the same way', async () => {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  expect(pkg.scripts.build).toMatch(
    /^tsc -p tsconfig\.build\.json && sh scripts\/copy-templates\.sh$/,
  );
  expect(await readFile(join(root, 'scripts/setup-host.sh'), 'utf8')).toMatch(
    /npm run --silent build/,
  );
});
