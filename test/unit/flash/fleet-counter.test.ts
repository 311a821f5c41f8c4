import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  advanceCounters,
  counterFileName,
  hostnameTemplate,
  numberFleet,
  openFleetCounter,
  parseCounters,
  serializeCounters,
} from '../../../src/flash/fleet-counter.js';

describe('parseCounters', () => {
  it.each([
    ['', {}],
    ['not json', {}],
    ['null', {}],
    ['{"next": []}', {}],
    ['{"version": 1, "next": {"pi-{n}": 3, "node-{n}": 12}}', { 'pi-{n}': 3, 'node-{n}': 12 }],
    // A hand-edited file keeps its good entries.
    ['{"next": {"pi-{n}": 3, "bad": -1, "worse": "7", "float": 1.5}}', { 'pi-{n}': 3 }],
  ])('%j', (text, counters) => {
    expect(parseCounters(text)).toEqual(counters);
  });

  it('reads what serializeCounters wrote', () => {
    const counters = { 'pi-{n}': 4, 'edge-{n}-a': 1 };
    expect(parseCounters(serializeCounters(counters))).toEqual(counters);
  });
});

describe('advanceCounters', () => {
  it('goes on after the highest card seeded, per template', () => {
    expect(advanceCounters({ 'pi-{n}': 3, 'x-{n}': 9 }, 'pi-{n}', [3, 4])).toEqual({
      'pi-{n}': 5,
      'x-{n}': 9,
    });
  });
  it('a failed middle card is skipped, never handed out twice', () => {
    expect(advanceCounters({}, 'pi-{n}', [3, 5])).toEqual({ 'pi-{n}': 6 });
  });
  it('--start resets it, down as well as up', () => {
    expect(advanceCounters({ 'pi-{n}': 20 }, 'pi-{n}', [7])).toEqual({ 'pi-{n}': 8 });
  });
  it('no card seeded: unchanged', () => {
    const counters = { 'pi-{n}': 3 };
    expect(advanceCounters(counters, 'pi-{n}', [])).toBe(counters);
  });
});

describe('openFleetCounter', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('remembers per template, in one file written whole (no temp file left)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'armada-counter-'));
    const config = join(dir, 'config');
    const first = await openFleetCounter('pi-{n}', config);
    expect(first.remembered).toBeUndefined();
    await Promise.all([first.seeded(1), first.seeded(2)]);
    const other = await openFleetCounter('node-{n}', config);
    await other.seeded(7);
    expect((await openFleetCounter('pi-{n}', config)).remembered).toBe(3);
    expect((await openFleetCounter('node-{n}', config)).remembered).toBe(8);
    expect(await readdir(config)).toEqual([counterFileName]);
    expect(JSON.parse(await readFile(join(config, counterFileName), 'utf8'))).toEqual({
      version: 1,
      next: { 'pi-{n}': 3, 'node-{n}': 8 },
    });
  });

  it('a corrupt file starts the numbering over and is replaced by the next save', async () => {
    dir = await mkdtemp(join(tmpdir(), 'armada-counter-'));
    await writeFile(join(dir, counterFileName), '{"next": {"pi-{n}": 4');
    const counter = await openFleetCounter('pi-{n}', dir);
    expect(counter.remembered).toBeUndefined();
    await counter.seeded(1);
    expect(parseCounters(await readFile(join(dir, counterFileName), 'utf8'))).toEqual({
      'pi-{n}': 2,
    });
  });
});

describe('hostnameTemplate', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('--hostname first, else the user-data hostname, else none', async () => {
    dir = await mkdtemp(join(tmpdir(), 'armada-template-'));
    const userData = join(dir, 'user-data');
    await writeFile(userData, '#cloud-config\nhostname: node-{n}\n');
    expect(await hostnameTemplate({ hostname: 'pi-{n}', userData })).toBe('pi-{n}');
    expect(await hostnameTemplate({ userData })).toBe('node-{n}');
    expect(await hostnameTemplate({})).toBeUndefined();
    expect(await hostnameTemplate({ userData: join(dir, 'missing') })).toBeUndefined();
  });
});

describe('numberFleet (flash and configure)', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('no {n}: no numbering; else from 1, then where the last run stopped, or from --start', async () => {
    dir = await mkdtemp(join(tmpdir(), 'armada-number-'));
    expect(await numberFleet({ hostname: 'pi-a' }, dir)).toBeUndefined();
    expect(await numberFleet({}, dir)).toBeUndefined();

    const first = await numberFleet({ hostname: 'pi-{n}' }, dir);
    expect(first?.numbering).toEqual({
      template: 'pi-{n}',
      start: 1,
      continued: false,
      file: join(dir, counterFileName),
    });
    expect(first?.flags).toEqual({ hostname: 'pi-{n}', start: 1 });
    await first?.seeded(1, 'pi-1');

    const second = await numberFleet({ hostname: 'pi-{n}' }, dir);
    expect(second?.numbering).toMatchObject({ start: 2, continued: true });
    expect(second?.flags.start).toBe(2);
    // Not seeded (the write failed): the next run gets 2 again.
    expect((await numberFleet({ hostname: 'pi-{n}' }, dir))?.numbering.start).toBe(2);

    const chosen = await numberFleet({ hostname: 'pi-{n}', start: 7 }, dir);
    expect(chosen?.numbering).toMatchObject({ start: 7, continued: false });
    await chosen?.seeded(7, 'pi-7');
    expect((await numberFleet({ hostname: 'pi-{n}' }, dir))?.numbering.start).toBe(8);
  });

  it('a counter that cannot be saved is a warning, not a failed card', async () => {
    dir = await mkdtemp(join(tmpdir(), 'armada-number-'));
    const config = join(dir, 'config');
    const fleet = await numberFleet({ hostname: 'pi-{n}' }, config);
    // The config dir became a file since: the save fails.
    await writeFile(config, '');
    await expect(fleet?.seeded(1, 'pi-1')).resolves.toBeUndefined();
  });
});
