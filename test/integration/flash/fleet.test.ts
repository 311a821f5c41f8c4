/**
 * Fleets: cards flashed (or configured) one per run continue the `{n}` numbering where the last
 * run stopped, and in a run of several cards, one card failing half way leaves the others'
 * results standing.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { armada, buildCli } from '../../helpers/cli.js';
import { describeNeeds } from '../../helpers/needs.js';
import { testImage, type TestImage } from '../../helpers/test-image.js';
import { expectCardHoldsImage } from './card-check.js';
import { flashCli, flashSuite } from './suite.js';

const MiB = 1 << 20;
const bin = new URL('../../../bin/armada.js', import.meta.url).pathname;

/**
 * Serves `file`: its first `bytes` at once, the rest only after release(). Until then the cards
 * are open and being written, and stay so.
 */
function gatedServer(
  file: string,
  bytes: number,
): Promise<{ url: string; server: Server; release: () => void }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const server = createServer((_req, res) => {
    res.statusCode = 200;
    res.on('error', () => undefined);
    const head = createReadStream(file, { end: bytes - 1 });
    head.pipe(res, { end: false });
    head.on('end', () => {
      // The probe's requests read a head and hang up; the write's request waits for the rest.
      void released.then(() => {
        if (!res.destroyed) createReadStream(file, { start: bytes }).pipe(res);
      });
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        server,
        release,
      }),
    ),
  );
}

describeNeeds({ root: true }, 'armada flash: fleets and failing cards', () => {
  const suite = flashSuite('armada-flash-fleet-');
  let image: TestImage;
  beforeAll(async () => {
    image = await testImage(join(suite.dir(), 'image'));
    await buildCli();
  });

  const seedEnv = (device: string) =>
    execFileSync('mtype', ['-i', `${device}@@${image.boot.offsetBytes}`, '::/armada/seed.env'], {
      env: { ...process.env, MTOOLS_SKIP_CHECK: '1' },
      encoding: 'utf8',
    });
  const hostnameOn = (device: string) => /HOSTNAME='([^']*)'/.exec(seedEnv(device))?.[1];

  it('one card per run: pi-1, pi-2; --start 7 gives pi-7, then pi-8; a failed flash does not advance it', async () => {
    const card = await suite.card('fleet-one.bin', 136 * MiB);
    const home = join(suite.dir(), 'fleet-home');
    const config = join(home, 'config');
    const env = { HOME: home, ARMADA_CONFIG_DIR: config };
    const flash = async (flags: string[] = [], device = card.device) =>
      flashCli(
        image.img,
        [device],
        ['--hostname', 'pi-{n}', '--password', 'correct horse', ...flags],
        {
          env,
        },
      );

    const first = await flash();
    expect(first.code, first.stderr).toBe(0);
    expect(hostnameOn(card.device)).toBe('pi-1');
    expect(first.stdout).toMatch(/seeded as pi-1 \(numbering pi-\{n\} from 1; /);

    const second = await flash();
    expect(second.code, second.stderr).toBe(0);
    expect(hostnameOn(card.device)).toBe('pi-2');
    expect(second.stdout).toMatch(
      /seeded as pi-2 \(continuing pi-\{n\} from 2; --start N to choose\)/,
    );
    expect(second.stdout).toMatch(/hostname\s+pi-2\n/);

    const seventh = await flash(['--start', '7']);
    expect(seventh.code, seventh.stderr).toBe(0);
    expect(hostnameOn(card.device)).toBe('pi-7');

    // A card that fails half way: not seeded, so pi-8 is still free.
    const failing = await suite.failingCard('fleet-failing.bin', 136 * MiB, 8 * MiB);
    const failed = await flash([], failing.device);
    expect(failed.code, failed.stderr).toBe(1);

    const eighth = await flash();
    expect(eighth.code, eighth.stderr).toBe(0);
    expect(hostnameOn(card.device)).toBe('pi-8');
    expect(eighth.stdout).toMatch(/continuing pi-\{n\} from 8; --start N to choose/);
    // Another template has its own count.
    const other = await flashCli(
      image.img,
      [card.device],
      ['--hostname', 'edge-{n}', '--password', 'correct horse'],
      { env },
    );
    expect(other.code, other.stderr).toBe(0);
    expect(hostnameOn(card.device)).toBe('edge-1');
    expect(JSON.parse(await readFile(join(config, 'hostname-counters.json'), 'utf8'))).toEqual({
      version: 1,
      next: { 'pi-{n}': 9, 'edge-{n}': 2 },
    });
  });

  it('configure one card at a time shares the counter: pi-2 after a flash of pi-1, --start 5, an image file gets pi-6, the next flash pi-7', async () => {
    const card = await suite.card('fleet-configure.bin', 136 * MiB);
    const home = join(suite.dir(), 'configure-home');
    const config = join(home, 'config');
    const env = { HOME: home, ARMADA_CONFIG_DIR: config };
    const configure = (target: string, flags: string[] = []) =>
      armada(
        [
          'configure',
          target,
          '--allow-virtual',
          '--allow-foreign-image',
          '--hostname',
          'pi-{n}',
          ...flags,
        ],
        { env },
      );

    const flashed = await flashCli(image.img, [card.device], ['--hostname', 'pi-{n}'], { env });
    expect(flashed.code, flashed.stderr).toBe(0);
    expect(hostnameOn(card.device)).toBe('pi-1');

    const second = await configure(card.device);
    expect(second.code, second.stderr).toBe(0);
    expect(hostnameOn(card.device)).toBe('pi-2');
    expect(second.stdout).toMatch(
      /hostname\s+pi-2 \(continuing pi-\{n\} from 2; --start N to choose\)\n/,
    );

    const fifth = await configure(card.device, ['--start', '5']);
    expect(fifth.code, fifth.stderr).toBe(0);
    expect(hostnameOn(card.device)).toBe('pi-5');
    expect(fifth.stdout).toMatch(
      /hostname\s+pi-5 \(numbering pi-\{n\} from 5; the next run continues after it\)\n/,
    );

    // A refused run (random bytes, no partition table) uses no number.
    const foreign = await suite.card('fleet-foreign.bin', 136 * MiB);
    const refused = await configure(foreign.device);
    expect(refused.code, refused.stderr).toBe(1);

    // An image file is numbered the same way; --json carries the numbering.
    const file = join(suite.dir(), 'fleet-configure.img');
    await copyFile(image.img, file);
    const sixth = await configure(file, ['--json']);
    expect(sixth.code, sixth.stderr).toBe(0);
    expect(JSON.parse(sixth.stdout)).toMatchObject({
      ok: true,
      command: 'configure',
      hostname: 'pi-6',
      numbering: { template: 'pi-{n}', start: 6, continued: true },
    });
    expect(hostnameOn(file)).toBe('pi-6');

    const seventh = await flashCli(image.img, [card.device], ['--hostname', 'pi-{n}'], { env });
    expect(seventh.code, seventh.stderr).toBe(0);
    expect(hostnameOn(card.device)).toBe('pi-7');
    expect(JSON.parse(await readFile(join(config, 'hostname-counters.json'), 'utf8'))).toEqual({
      version: 1,
      next: { 'pi-{n}': 8 },
    });
  });

  it('one of two cards fails mid-write (ENOSPC): the card written gets its summary and seed; the failure names the card, not sudo', async () => {
    const bad = await suite.failingCard('partial-bad.bin', 136 * MiB, 8 * MiB);
    const good = await suite.card('partial-good.bin', 136 * MiB);
    const home = join(suite.dir(), 'partial-home');
    const r = await flashCli(
      image.img,
      [bad.device, good.device],
      ['--hostname', 'pi-{n}', '--start', '3', '--password', 'correct horse'],
      { env: { HOME: home, ARMADA_CONFIG_DIR: join(home, 'config') } },
    );
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(
      new RegExp(
        `${good.device}: wrote .* verified, seeded as pi-4 \\(numbering pi-\\{n\\} from 3;`,
      ),
    );
    expect(r.stdout).toMatch(/hostname\s+pi-4\n/);
    expect(r.stdout).toMatch(/next: boot the Pi, then 'armada connect pi-4\.local'/);
    expect(r.stderr).toMatch(
      new RegExp(
        `armada: 1 of 2 cards failed \\(${good.device} was written\\)\\n  - ${bad.device}: cannot (write|flush) ${bad.device}.*\\(ENOSPC\\); the card or its reader failed; remove the card and try another card or reader`,
      ),
    );
    // (--password on the command line earns a warning that mentions sudo's log: not a hint.)
    expect(r.stderr.slice(r.stderr.indexOf('armada: 1 of 2'))).not.toMatch(/sudo/);
    expect(r.stdout).toMatch(new RegExp(`${bad.device}: FAILED: cannot (write|flush)`));
    expect(r.stdout).not.toMatch(/sudo/);
    expect(hostnameOn(good.device)).toBe('pi-4');
    await expectCardHoldsImage(good.device, image, suite.dir());
  });

  it('a card that turns read-only mid-write (EPERM, even as root): no sudo hint; --json lists each card ok or not', async () => {
    const gate = await gatedServer(image.xz, 4 * MiB);
    const locked = await suite.card('readonly-mid.bin', 136 * MiB);
    try {
      const good = await suite.card('readonly-good.bin', 136 * MiB);
      const child = spawn(
        process.execPath,
        [
          bin,
          'flash',
          `${gate.url}/pi.img.xz`,
          locked.device,
          good.device,
          '--yes',
          '--allow-virtual',
          '--no-seed',
          '--no-bmap',
          '--allow-http',
          '--no-checksum',
          '--json',
        ],
        { env: { ...process.env, CI: '1', NO_COLOR: '1' } },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      // Both cards are open and their old partition tables cleared: writing has begun.
      for (let i = 0; i < 300 && !/Write http:\/\/\S+\/pi\.img\.xz to 2 cards/.test(stderr); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(stderr, 'writing did not start within 30 s').toMatch(
        /Write http:\/\/\S+\/pi\.img\.xz to 2 cards/,
      );
      // What a failing card (or its reader) does: the kernel marks it read-only.
      execFileSync('blockdev', ['--setro', locked.device]);
      gate.release();
      const code = await Promise.race([
        exited,
        new Promise((r) => setTimeout(() => r('timeout'), 120_000)),
      ]);
      expect(code, stderr).toBe(1);
      expect(stderr).toMatch(
        new RegExp(
          `  - ${locked.device}: cannot (write|flush) ${locked.device}.*\\(EPERM\\): the card turned read-only, as failing cards do; the card or its reader failed`,
        ),
      );
      expect(stderr).not.toMatch(/sudo/);
      const doc = JSON.parse(stdout) as {
        ok: boolean;
        error: { exitCode: number; message: string };
        cards: { device: string; ok: boolean; verified?: boolean; error?: { message: string } }[];
      };
      expect(doc.ok).toBe(false);
      expect(doc.error).toMatchObject({
        exitCode: 1,
        message: expect.stringMatching(/^1 of 2 cards failed/),
      });
      expect(doc.cards).toEqual([
        expect.objectContaining({ device: good.device, ok: true, verified: true }),
        expect.objectContaining({
          device: locked.device,
          ok: false,
          error: expect.objectContaining({ message: expect.stringMatching(/turned read-only/) }),
        }),
      ]);
      await expectCardHoldsImage(good.device, image, suite.dir());
    } finally {
      // The flag outlives the loop device's detach: the next user of /dev/loopN must not get it.
      execFileSync('blockdev', ['--setrw', locked.device]);
      gate.server.closeAllConnections();
      gate.server.close();
    }
  });
});
