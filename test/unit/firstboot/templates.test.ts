/**
 * Templates are read from the disk once, all together, on first use: a build renders at its
 * start and never reads them again, so rebuilding dist/ meanwhile cannot break or change it.
 */
import { expect, test, vi } from 'vitest';

const reads = vi.hoisted(() => ({ files: 0, dirs: 0 }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    readFileSync: ((...args: Parameters<typeof fs.readFileSync>) => {
      reads.files++;
      return fs.readFileSync(...args);
    }) as typeof fs.readFileSync,
    readdirSync: ((...args: Parameters<typeof fs.readdirSync>) => {
      reads.dirs++;
      return fs.readdirSync(...args);
    }) as typeof fs.readdirSync,
  };
});

test('the first render reads every template; later renders read nothing', async () => {
  const { planFirstBootFiles } = await import('../../../src/firstboot/plan.js');
  const { render } = await import('../../../src/firstboot/render.js');
  render('etc/resolv.conf', { version: '1.2.3' });
  const afterFirst = { ...reads };
  expect(afterFirst.dirs).toBe(1);
  expect(afterFirst.files).toBeGreaterThan(20);
  // The whole first-boot plan, partials included, and a partial on its own: no more reads.
  expect(planFirstBootFiles({ armadaVersion: '1.2.3', insecureTcp: true }).files.length).toBe(20);
  render('partials/seed-parser.sh', {});
  expect(reads).toEqual(afterFirst);
});
