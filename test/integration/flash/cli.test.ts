/**
 * `armada flash` and `armada drives` as people run them (node bin/armada.js after the build),
 * images over http, and Ctrl-C in the middle of a write.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { flashImage as flashImageApi } from '../../../src/flash/flash-image.js';
import { parseBmap } from '../../../src/bmap/parse.js';
import { serializeBmap } from '../../../src/bmap/serialize.js';
import { testImage, type TestImage } from '../../helpers/test-image.js';
import { expectCardHoldsImage, hasPartitionTable, sha256OfDevice } from './card-check.js';
import { flashCli, flashOptions, flashSuite } from './suite.js';
import { armada as cli, buildCli } from '../../helpers/cli.js';
import { describeNeeds } from '../../helpers/needs.js';
import { asCli } from '../../helpers/as-cli.js';

const flashImage = asCli(flashImageApi);

const MiB = 1 << 20;
const root = new URL('../../../', import.meta.url).pathname;

const armada = (args: string[], env: NodeJS.ProcessEnv = {}) => cli(args, { env });

/** Serves files of `dir`; `stallAfter` bytes of *.stall.xz are sent, then the response hangs. */
function serve(dir: string, stallAfter = 1 * MiB): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').slice(1).split('?')[0]);
    const stall = name.endsWith('.stall.xz');
    const file = join(dir, stall ? name.replace('.stall.xz', '.img.xz') : name);
    const stream = createReadStream(file, stall ? { end: stallAfter - 1 } : {});
    stream.on('error', () => {
      res.statusCode = 404;
      res.end();
    });
    stream.on('open', () => {
      res.statusCode = 200;
      stream.pipe(res, { end: !stall });
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }),
    ),
  );
}

describeNeeds({ root: true }, 'armada flash from the command line and over http', () => {
  const suite = flashSuite('armada-flash-cli-');
  let image: TestImage;
  let http: { url: string; server: Server };

  const cacheBefore = process.env.ARMADA_CACHE_DIR;
  beforeAll(async () => {
    // Downloads (the CLI's and flashImage's) go to this suite's cache, not the user's.
    process.env.ARMADA_CACHE_DIR = join(suite.dir(), 'cache');
    image = await testImage(join(suite.dir(), 'image'));
    http = await serve(join(suite.dir(), 'image'));
    // What a release directory holds: SHA256SUMS next to the images.
    const served = join(suite.dir(), 'image');
    execFileSync('sh', [
      '-c',
      'cd "$1" && sha256sum pi.img pi.img.xz pi.zip > SHA256SUMS',
      'sh',
      served,
    ]);
    // A copy whose SHA256SUMS does not match it, and one with no SHA256SUMS at all.
    execFileSync('sh', [
      '-c',
      'cd "$1" && mkdir wrongsum nosum && cp pi.img.xz pi.img.bmap wrongsum/ && cp pi.img.xz pi.img.bmap nosum/ && printf "%064d  pi.img.xz\\n" 0 > wrongsum/SHA256SUMS',
      'sh',
      served,
    ]);
    // The CLI runs the compiled code; build it (type errors elsewhere do not stop the emit).
    await buildCli();
  });
  afterAll(() => {
    if (cacheBefore === undefined) delete process.env.ARMADA_CACHE_DIR;
    else process.env.ARMADA_CACHE_DIR = cacheBefore;
    http?.server.closeAllConnections();
    http?.server.close();
  });

  it('flash --yes --allow-virtual --no-seed --json writes the card and prints one JSON document', async () => {
    const card = await suite.card('cli.bin', 136 * MiB);
    const r = await flashCli(image.xz, [card.device], ['--no-seed', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      bmap: string;
      cards: { device: string; verified: boolean }[];
    };
    expect(doc.bmap).toBe(image.bmap);
    // A loop device is no card to eject: flushed, and said to be safe to remove.
    expect(doc.cards).toMatchObject([
      {
        device: card.device,
        verified: true,
        eject: {
          state: 'attached',
          message: 'flushed: safe to remove (a loop device: nothing to eject)',
        },
      },
    ]);
    await expectCardHoldsImage(card.device, image, suite.dir());
    // --power-off with --no-eject contradicts: bad usage, before anything is read or written.
    const both = await flashCli(
      image.xz,
      [card.device],
      ['--no-seed', '--no-eject', '--power-off'],
    );
    expect(both.code, both.stderr).toBe(2);
    expect(both.stderr).toMatch(
      /--no-eject leaves the card attached, so --power-off would be ignored/,
    );
    // --no-eject, and --config-txt lines in config.txt before the first boot.
    const home = join(suite.dir(), 'home-kept');
    const kept = await flashCli(
      image.img,
      [card.device],
      [
        '--no-eject',
        '--json',
        '--hostname',
        'pi-hat',
        '--config-txt',
        'dtoverlay=vc4-kms-v3d',
        '--config-txt',
        'gpu_mem=128',
      ],
      { env: { HOME: home, ARMADA_CONFIG_DIR: join(home, 'config') } },
    );
    expect(kept.code, kept.stderr).toBe(0);
    expect(JSON.parse(kept.stdout)).toMatchObject({
      cards: [
        {
          eject: { state: 'attached', message: 'flushed and left attached (--no-eject)' },
          seed: { configTxt: ['dtoverlay=vc4-kms-v3d', 'gpu_mem=128'] },
        },
      ],
    });
    const configTxt = execFileSync(
      'mtype',
      ['-i', `${card.device}@@${image.boot.offsetBytes}`, '::/config.txt'],
      { env: { ...process.env, MTOOLS_SKIP_CHECK: '1' }, encoding: 'utf8' },
    );
    expect(configTxt).toMatch(
      /^arm_64bit=1\nenable_uart=1\n# BEGIN armada --config-txt .*\n\[all\]\ndtoverlay=vc4-kms-v3d\ngpu_mem=128\n# END armada --config-txt\n$/,
    );
  });

  it('flash seeds the card by default (laptop CA, hostname, password)', async () => {
    const card = await suite.card('cli-seed.bin', 136 * MiB);
    const home = join(suite.dir(), 'home');
    const r = await flashCli(
      image.img,
      [card.device],
      ['--hostname', 'pi-test', '--password', 'correct horse'],
      { env: { HOME: home, ARMADA_CONFIG_DIR: join(home, 'config') } },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/verified, seeded; flushed: safe to remove \(a loop device/);
    // configure's summary, for each card, and a word about the image not being armada's.
    expect(r.stdout).toMatch(/hostname\s+pi-test/);
    expect(r.stdout).toMatch(/login\s+armada/);
    expect(r.stdout).toMatch(/server certificate sha256 [0-9a-f:]{64,}/i);
    expect(r.stdout).toMatch(/next: boot the Pi, then 'armada connect pi-test\.local/);
    expect(r.stderr).toMatch(/does not look like an armada image \(no armada-firstboot\.service/);
    const env = { ...process.env, MTOOLS_SKIP_CHECK: '1' };
    const seedEnv = execFileSync(
      'mtype',
      ['-i', `${card.device}@@${image.boot.offsetBytes}`, '::/armada/seed.env'],
      { env, encoding: 'utf8' },
    );
    expect(seedEnv).toMatch(/HOSTNAME='pi-test'/);
    expect(seedEnv).toMatch(/PASSWORD_HASH='\$6\$/);
    await expectCardHoldsImage(card.device, image, suite.dir());
  });

  it('writes a seeded image file instead of a card (flash img.xz out.img --hostname pi-1)', async () => {
    const outDir = join(suite.dir(), 'out-file');
    execFileSync('mkdir', ['-p', outDir]);
    const out = join(outDir, 'out.img');
    const home = join(suite.dir(), 'file-home');
    const env = { HOME: home, ARMADA_CONFIG_DIR: join(home, 'config') };
    const r = await armada(
      ['flash', image.xz, out, '--hostname', 'pi-1', '--password', 'correct horse'],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/hostname\s+pi-1/);
    expect(statSync(out).size).toBe(image.sizeBytes);
    const seedEnv = execFileSync(
      'mtype',
      ['-i', `${out}@@${image.boot.offsetBytes}`, '::/armada/seed.env'],
      {
        env: { ...process.env, MTOOLS_SKIP_CHECK: '1' },
        encoding: 'utf8',
      },
    );
    expect(seedEnv).toMatch(/HOSTNAME='pi-1'/);
    await expectCardHoldsImage(out, image, suite.dir());
    // An existing file is never overwritten; a failed write leaves no file behind.
    const before = execFileSync('sha256sum', [out], { encoding: 'utf8' });
    const again = await armada(['flash', image.xz, out, '--no-seed'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/out\.img exists; remove it or name a new image file/);
    expect(execFileSync('sha256sum', [out], { encoding: 'utf8' })).toBe(before);
    const failed = await armada(
      ['flash', image.xz, join(outDir, 'bad.img'), '--no-seed', '--sha256', '0'.repeat(64)],
      env,
    );
    expect(failed.code).toBe(3);
    expect(readdirSync(outDir)).toEqual(['out.img']);
  });

  it('a fleet flash gives each card its own hostname and server certificate', async () => {
    const cards = await Promise.all([1, 2].map((n) => suite.card(`cli-fleet-${n}.bin`, 136 * MiB)));
    const home = join(suite.dir(), 'fleet-home');
    const r = await flashCli(
      image.xz,
      cards.map((c) => c.device),
      ['--hostname', 'pi-{n}', '--start', '7', '--password', 'correct horse'],
      { env: { HOME: home, ARMADA_CONFIG_DIR: join(home, 'config') } },
    );
    expect(r.code, r.stderr).toBe(0);
    const env = { ...process.env, MTOOLS_SKIP_CHECK: '1' };
    const read = (device: string, file: string) =>
      execFileSync('mtype', ['-i', `${device}@@${image.boot.offsetBytes}`, `::/armada/${file}`], {
        env,
        encoding: 'utf8',
      });
    const hostnames = cards.map((c) => /HOSTNAME='([^']*)'/.exec(read(c.device, 'seed.env'))?.[1]);
    expect(hostnames.sort()).toEqual(['pi-7', 'pi-8']);
    const certs = cards.map((c) => read(c.device, 'tls/server.pem'));
    expect(certs[0]).toMatch(/BEGIN CERTIFICATE/);
    expect(certs[1]).not.toBe(certs[0]);
    const keys = cards.map((c) => read(c.device, 'tls/server-key.pem'));
    expect(keys[1]).not.toBe(keys[0]);
    for (const c of cards) await expectCardHoldsImage(c.device, image, suite.dir());
  });

  it('refusals are one line with exit 1; usage errors exit 2', async () => {
    const card = await suite.card('cli-refused.bin', 64 * MiB);
    const refused = await flashCli(image.img, [card.device], ['--no-seed']);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n').at(-1)).toMatch(
      /^armada: \/dev\/loop\d+ refused: it is smaller than the image .*nothing was written$/,
    );
    const big = await suite.card('cli-usage.bin', 136 * MiB);
    const usage = await armada(['flash', image.img, big.device, '--allow-virtual', '--no-seed'], {
      CI: '1',
    });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/pass --yes to confirm erasing/);
  });

  it('usage errors about --bmap exit 2 with one line each', async () => {
    const cases: [string[], RegExp][] = [
      [['--bmap'], /--bmap needs a file, e\.g\. --bmap pi\.img\.bmap/],
      [['--no-bmap', '--bmap', image.bmap], /--bmap and --no-bmap contradict each other/],
      [['--bmap', image.bmap, '--bmap', image.bmap], /--bmap is given more than once/],
    ];
    for (const [flags, message] of cases) {
      const r = await armada(['flash', image.img, '/dev/null', '--yes', '--no-seed', ...flags]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')[0]).toMatch(new RegExp(`^armada: ${message.source}`));
    }
  });

  it.each([
    ['Ctrl-C', '\x03'],
    ['Ctrl-D', '\x04'],
  ])(
    '%s at the "Type yes" question cancels: one line, exit 4, card untouched',
    async (_name, key) => {
      const card = await suite.card(`prompt-${key.charCodeAt(0)}.bin`, 136 * MiB);
      const before = await sha256OfDevice(card.device);
      const command = [
        'node',
        join(root, 'bin/armada.js'),
        'flash',
        image.img,
        card.device,
        '--allow-virtual',
        '--no-seed',
      ].join(' ');
      // script(1) gives armada a terminal, so it asks.
      const child = spawn('script', ['-qec', command, '/dev/null'], {
        env: { ...process.env, CI: '1' },
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<number | null>((resolve) =>
        child.on('exit', (code) => resolve(code)),
      );
      for (let i = 0; i < 150 && !output.includes("Type 'yes'"); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(output, 'no question within 15 s').toContain("Type 'yes' to continue");
      child.stdin.write(key);
      const code = await Promise.race([
        exited,
        new Promise((r) => setTimeout(() => r('timeout'), 15_000)),
      ]);
      child.stdin.end();
      expect(code, output).toBe(4);
      const after = output.slice(output.indexOf("Type 'yes'"));
      expect(after).toMatch(/armada: cancelled; nothing was written/);
      expect(after).not.toMatch(/internal error|report it/);
      expect(await sha256OfDevice(card.device)).toBe(before);
    },
  );

  it('when every card fails, the run reads as failed (✖), not done (✔)', async () => {
    const dir = join(suite.dir(), 'bad-bmap');
    execFileSync('mkdir', ['-p', dir]);
    const img = join(dir, 'mismatch.img');
    execFileSync('cp', ['--sparse=always', image.img, img]);
    const map = parseBmap(await readFile(image.bmap, 'utf8'));
    map.ranges.at(-1)!.checksum = 'f'.repeat(64);
    await writeFile(`${img}.bmap`, serializeBmap(map));
    const card = await suite.card('cli-all-fail.bin', 136 * MiB);
    const r = await flashCli(img, [card.device], ['--no-seed']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/✖ Write mismatch\.img \(with bmap\) to \/dev\/loop\d+ \[FAILED: /);
    expect(r.stderr).not.toMatch(/✔ Write/);
  });

  it('drives --all --json lists loop cards with the reason they are refused', async () => {
    const card = await suite.card('cli-drives.bin', 32 * MiB);
    const r = await armada(['drives', '--all', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      drives: { device: string; flashable: boolean; reasons: string[]; bus: string }[];
    };
    expect(doc.drives.find((d) => d.device === card.device)).toMatchObject({
      flashable: false,
      bus: 'virtual',
      reasons: [expect.stringMatching(/--allow-virtual/)],
    });
    const human = await armada(['drives', '--all']);
    expect(human.stdout).toMatch(new RegExp(`${card.device}\\s+33\\.6 MB\\s+virtual\\s+no`));
  });

  it.each(['img.xz', 'img', 'zip'])(
    'downloads pi.%s over http, with its bmap (next to it, or inside the zip)',
    async (ext) => {
      const card = await suite.card(`http-${ext}.bin`, 136 * MiB);
      const result = await flashImage(
        flashOptions(`${http.url}/pi.${ext}`, [card.device], { checksum: { allowHttp: true } }),
      );
      expect(result.bmap).toBe(
        ext === 'zip' ? `${http.url}/pi.zip:pi.img.bmap` : `${http.url}/pi.img.bmap`,
      );
      expect(result.checksum).toBe(`${http.url}/SHA256SUMS`);
      await expectCardHoldsImage(card.device, image, suite.dir());
    },
  );

  it('a plain http URL without --allow-http: exit 2, card untouched', async () => {
    const card = await suite.card('http-refused.bin', 136 * MiB);
    const before = await sha256OfDevice(card.device);
    const r = await flashCli(`${http.url}/pi.img.xz`, [card.device], ['--no-seed']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /is plain http, which anyone on the way can alter; use https, or pass --allow-http/,
    );
    expect(await sha256OfDevice(card.device)).toBe(before);
  });

  it('a download without SHA256SUMS next to it is refused unless --sha256 or --no-checksum', async () => {
    const card = await suite.card('http-nosum.bin', 136 * MiB);
    const before = await sha256OfDevice(card.device);
    const url = `${http.url}/nosum/pi.img.xz`;
    const refused = await flashImage(
      flashOptions(url, [card.device], { checksum: { allowHttp: true } }),
    ).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(refused?.message).toMatch(/no SHA256SUMS next to .*pass --sha256 HEX/);
    expect(await sha256OfDevice(card.device)).toBe(before);
    const sha256 = execFileSync('sha256sum', [image.xz], { encoding: 'utf8' }).split(' ')[0];
    const result = await flashImage(
      flashOptions(url, [card.device], { checksum: { allowHttp: true, sha256 } }),
    );
    expect(result.checksum).toBe('--sha256');
    await expectCardHoldsImage(card.device, image, suite.dir());
  });

  it('a download that does not match its SHA256SUMS: exit 3, not one byte of the card changed', async () => {
    const card = await suite.card('http-wrongsum.bin', 136 * MiB);
    const before = await sha256OfDevice(card.device);
    const r = await flashCli(
      `${http.url}/wrongsum/pi.img.xz`,
      [card.device],
      ['--no-seed', '--allow-http'],
    );
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/checksum mismatch for .*pi\.img\.xz: expected 0{64}.*SHA256SUMS/);
    expect(await sha256OfDevice(card.device)).toBe(before);
  });

  it('the summary says the image was verified against SHA256SUMS, and where the download is kept', async () => {
    const card = await suite.card('http-summary.bin', 136 * MiB);
    // A cache of its own: the earlier tests' downloads would make this one a cache hit.
    const env = { ARMADA_CACHE_DIR: join(suite.dir(), 'cache-summary') };
    const flash = () =>
      flashCli(`${http.url}/pi.img.xz`, [card.device], ['--no-seed', '--allow-http'], { env });
    const r = await flash();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`image verified against SHA256SUMS (${http.url}/SHA256SUMS)`);
    expect(r.stdout).toMatch(
      /\n {2}downloaded to \/.*\/downloads\/[0-9a-f]{64}\/pi\.img\.xz; the next flash of it reads it from there\n/,
    );
    expect(r.stderr).toMatch(
      /Downloaded http:\/\/.*pi\.img\.xz and verified it against SHA256SUMS/,
    );
    const again = await flash();
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(
      /\n {2}image read from the download cache: \/.*\/cache-summary\/downloads\/[0-9a-f]{64}\/pi\.img\.xz\n/,
    );
    expect(again.stderr).toMatch(/pi\.img\.xz: verified copy in the download cache/);
  });

  it('Ctrl-C during a write: exit 4, decompressor gone, no partition table', async () => {
    const card = await suite.card('sigint.bin', 136 * MiB);
    const child = spawn(
      'node',
      [
        join(root, 'bin/armada.js'),
        'flash',
        `${http.url}/pi.stall.xz`,
        card.device,
        '--yes',
        '--allow-virtual',
        '--no-seed',
        '--no-bmap',
        '--allow-http',
        '--no-checksum',
      ],
      {
        env: { ...process.env, CI: '1' },
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    // Wait (bounded) until the decompressor runs, i.e. writing has started.
    let xzPid: string | undefined;
    // The image's head is read (and checked) by an xz of its own first: wait for the write's.
    for (let i = 0; i < 100 && !(xzPid && /Write /.test(stderr)); i++) {
      await new Promise((r) => setTimeout(r, 100));
      xzPid =
        execFileSync('sh', ['-c', `pgrep -P ${child.pid} xz || true`], {
          encoding: 'utf8',
        }).trim() || undefined;
    }
    expect(xzPid, `no xz started within 10 s; stderr:\n${stderr}`).toBeDefined();
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGINT');
    const code = await Promise.race([
      exited,
      new Promise((r) => setTimeout(() => r('timeout'), 15_000)),
    ]);
    expect(code, `flash did not exit within 15 s of SIGINT; stderr:\n${stderr}`).toBe(4);
    expect(stderr).toMatch(/interrupted by SIGINT/);
    expect(stderr).not.toMatch(/Premature close|file is truncated/);
    // Gone, or a zombie waiting for init to reap it: either way it no longer runs.
    const state = execFileSync('sh', ['-c', `ps -o stat= -p ${xzPid} || true`], {
      encoding: 'utf8',
    }).trim();
    expect(state === '' || state.startsWith('Z'), `xz ${xzPid} still runs (state ${state})`).toBe(
      true,
    );
    expect(await hasPartitionTable(card.device)).toBe(false);
  });

  it('without root: exit 1 and a hint to use sudo, card untouched', async () => {
    const card = await suite.card('cli-user.bin', 136 * MiB);
    const before = await sha256OfDevice(card.device);
    // An image the unprivileged user can read; the card stays root's (brw-rw---- root disk).
    const img = join(suite.dir(), 'public.img');
    execFileSync('cp', [image.img, img]);
    execFileSync('chmod', ['755', suite.dir()]);
    execFileSync('chmod', ['644', img]);
    const r = await flashCli(img, [card.device], ['--no-seed', '--no-bmap'], {
      asNobody: true,
    });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      /cannot open \/dev\/loop\d+: permission denied; run it again with sudo/,
    );
    expect(await sha256OfDevice(card.device)).toBe(before);
  });
});
