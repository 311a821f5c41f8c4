/**
 * An https download that is redirected through plain http is refused at that hop, for each of
 * the three things flash fetches (SHA256SUMS, the bmap, the image): https → http → https used to
 * pass, because only the last URL was checked, and wrote whatever the http hop pointed at while
 * printing "verified against SHA256SUMS (https://…)". Real servers on 127.0.0.1: an https one
 * with a certificate from a test CA (the CLI trusts it through NODE_EXTRA_CA_CERTS, as a user's
 * corporate CA would be) and a plain http one; the CLI as people run it.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { copyFile, mkdir, open, writeFile } from 'node:fs/promises';
import { createServer as createHttp, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo, Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createCa, issueServerCert, loadIssuer } from '../../../src/tls/certs.js';
import { armada, buildCli } from '../../helpers/cli.js';
import { describeNeeds } from '../../helpers/needs.js';
import { testImage, type TestImage } from '../../helpers/test-image.js';
import { suiteTempDir } from '../../helpers/tmp.js';
import { expectCardHoldsImage } from '../flash/card-check.js';

const files = ['pi.img.xz', 'pi.img.bmap', 'SHA256SUMS'] as const;

/** Which files each route sends through the plain-http hop. */
const viaHttp: Record<string, readonly string[]> = {
  all: files,
  image: ['pi.img.xz'],
  bmap: ['pi.img.bmap'],
  sums: ['SHA256SUMS'],
};

describeNeeds({ root: true }, 'downloads never follow an https URL through plain http', () => {
  let dir: string;
  let image: TestImage;
  let https: string;
  let http: string;
  const plainRequests: string[] = [];
  const attackerRequests: string[] = [];
  const servers: Server[] = [];
  let env: NodeJS.ProcessEnv;

  function send(res: ServerResponse, file: string): void {
    if (!existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200);
    createReadStream(file).pipe(res);
  }
  const redirect = (res: ServerResponse, status: number, location: string): void => {
    res.writeHead(status, { location }).end('moved');
  };

  function onHttps(req: IncomingMessage, res: ServerResponse): void {
    const [, route = '', name = ''] = /^\/([^/]+)\/([^/?]+)/.exec(req.url ?? '') ?? [];
    if (route === 'real') return send(res, join(dir, 'real', name));
    if (route === 'attacker') {
      attackerRequests.push(name);
      return send(res, join(dir, 'attacker', name));
    }
    // https → https, twice: a relative Location, then an absolute one.
    if (route === 'moved') return redirect(res, 302, `/moved-again/${name}`);
    if (route === 'moved-again') return redirect(res, 301, `${https}/real/${name}`);
    const through = viaHttp[route];
    if (!through) return void res.writeHead(404).end();
    if (through.includes(name)) return redirect(res, 302, `${http}/bounce/${name}`);
    send(res, join(dir, 'real', name));
  }

  function onHttp(req: IncomingMessage, res: ServerResponse): void {
    plainRequests.push(req.url ?? '');
    // Whoever controls the plain hop sends the download wherever they like, back on https.
    const name = (req.url ?? '').split('/').pop() ?? '';
    redirect(res, 302, `${https}/attacker/${name}`);
  }

  const listen = async (server: Server) => {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  };

  beforeAll(async () => {
    dir = await suiteTempDir('armada-redirects-');
    image = await testImage(join(dir, 'image'));
    await mkdir(join(dir, 'real'));
    await mkdir(join(dir, 'attacker'));
    await copyFile(image.xz, join(dir, 'real', 'pi.img.xz'));
    await copyFile(image.bmap, join(dir, 'real', 'pi.img.bmap'));
    // The attacker's image: the same one with a mark in the gap before the first partition,
    // and a SHA256SUMS that matches it (no bmap: every byte gets written).
    await copyFile(image.img, join(dir, 'attacker', 'pi.img'));
    const fh = await open(join(dir, 'attacker', 'pi.img'), 'r+');
    await fh.write(Buffer.from('ATTACKER'), 0, 8, 2 << 20);
    await fh.close();
    execFileSync('xz', ['-T1', '-0', join(dir, 'attacker', 'pi.img')]);
    const sums = (d: string, names: string) =>
      execFileSync('sh', ['-c', `cd "$1" && sha256sum ${names} > SHA256SUMS`, 'sh', d]);
    sums(join(dir, 'real'), 'pi.img.xz pi.img.bmap');
    sums(join(dir, 'attacker'), 'pi.img.xz');

    const ca = await createCa('armada redirect test CA');
    const cert = await issueServerCert(await loadIssuer(ca), 'localhost');
    await writeFile(join(dir, 'ca.pem'), ca.certPem);
    https = `https://127.0.0.1:${await listen(createHttps({ cert: cert.certPem, key: cert.keyPem }, onHttps))}`;
    http = `http://127.0.0.1:${await listen(createHttp(onHttp))}`;
    env = {
      NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'),
      ARMADA_CONFIG_DIR: join(dir, 'config'),
    };
    await buildCli();
  });
  afterAll(async () => {
    for (const s of servers) await new Promise((resolve) => s.close(resolve));
  });

  // A download cache per run: a verified copy from an earlier test would need no request at all.
  const flash = (url: string, out: string) =>
    armada(['flash', url, join(dir, out), '--no-seed', '--json'], {
      env: { ...env, ARMADA_CACHE_DIR: join(dir, `cache-${out}`) },
    });

  it('https → https redirects are followed: the image is written, checked against its SHA256SUMS', async () => {
    const r = await flash(`${https}/moved/pi.img.xz`, 'moved.img');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      checksum: `${https}/moved/SHA256SUMS`,
      bmap: `${https}/moved/pi.img.bmap`,
    });
    await expectCardHoldsImage(join(dir, 'moved.img'), image, dir);
    expect(attackerRequests).toEqual([]);
  });

  it('https → http → https for everything: refused at the plain hop, nothing written or fetched from where it led', async () => {
    plainRequests.length = 0;
    const r = await flash(`${https}/all/pi.img.xz`, 'all.img');
    expect(r.code, r.stderr).toBe(1);
    const last = r.stderr.trim().split('\n').at(-1) ?? '';
    expect(last).toMatch(
      new RegExp(
        `^armada: ${https}/all/(pi\\.img\\.xz|SHA256SUMS) redirects through plain http: ${https}/all/\\S+ → ${http}/bounce/\\S+; `,
      ),
    );
    expect(r.stdout).not.toMatch(/verified/);
    expect(existsSync(join(dir, 'all.img'))).toBe(false);
    expect(plainRequests).toEqual([]);
    expect(attackerRequests).toEqual([]);
  });

  it.each([
    ['image', 'pi.img.xz'],
    ['bmap', 'pi.img.bmap'],
    ['sums', 'SHA256SUMS'],
  ])('only the %s goes through http: refused naming that hop, exit 1', async (route, name) => {
    plainRequests.length = 0;
    const r = await flash(`${https}/${route}/pi.img.xz`, `${route}.img`);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toBe(
      `armada: ${https}/${route}/${name} redirects through plain http: ${https}/${route}/${name} → ${http}/bounce/${name}; anyone on the way could change what follows: use an https URL that stays on https`,
    );
    expect(existsSync(join(dir, `${route}.img`))).toBe(false);
    expect(plainRequests).toEqual([]);
    expect(attackerRequests).toEqual([]);
  });
});
