/**
 * `armada configure` on real images: an MBR with a FAT32 p1 made by sfdisk + mkfs.vfat --offset,
 * an ext4 p2 made by mke2fs -d (with or without armada's first-boot unit), and a loop device.
 * After each run fsck.vfat must be clean and every file must read back.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { configureTarget as configureTargetApi } from '../../../src/commands/configure.js';
import { fatSpace, listFat, readFat, writeFat } from '../../../src/image/fat.js';
import { parseSeedEnv } from '../../../src/seed/seed-env.js';
import { verifySeed } from '../../../src/seed/write.js';
import { isIssuedBy, describeCert } from '../../../src/tls/certs.js';
import { CheckFailedError, UserError } from '../../../src/errors.js';
import { makeCard } from '../../helpers/loop.js';
import { armada } from '../../helpers/cli.js';
import { suiteTempDir } from '../../helpers/tmp.js';
import { describeNeeds } from '../../helpers/needs.js';
import { asCli } from '../../helpers/as-cli.js';

const configureTarget = asCli(configureTargetApi);

const sector = 512;
const p1Start = 8192; // 4 MiB
const p1Sectors = 81920; // 40 MiB: FAT32 needs ≥ 32 MiB-ish with 512-byte clusters
const p2Start = p1Start + p1Sectors;
const imageBytes = 96 * 1024 * 1024;

// At module level: suiteTempDir's afterAll is ignored when registered from inside a hook.
const dir = await suiteTempDir('armada-configure-');
const savedEnv = { ...process.env };

function sh(file: string, args: string[], input?: string): string {
  return execFileSync(file, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

async function makeImage(path: string, opts: { armada: boolean; p1Type?: string }): Promise<void> {
  await writeFile(path, Buffer.alloc(0));
  sh('truncate', ['-s', String(imageBytes), path]);
  sh(
    'sfdisk',
    ['-q', path],
    `label: dos\nstart=${p1Start}, size=${p1Sectors}, type=${opts.p1Type ?? 'c'}\nstart=${p2Start}, type=83\n`,
  );
  sh('mkfs.vfat', [
    '-F',
    '32',
    '-n',
    'BOOTFS',
    '--offset',
    String(p1Start),
    path,
    String((p1Sectors * sector) / 1024),
  ]);
  const root = join(dir, `root-${Math.random().toString(36).slice(2)}`);
  await mkdir(join(root, 'etc/systemd/system'), { recursive: true });
  if (opts.armada)
    await writeFile(
      join(root, 'etc/systemd/system/armada-firstboot.service'),
      '[Unit]\nDescription=armada first boot\n',
    );
  const p2Bytes = imageBytes - p2Start * sector;
  sh('mke2fs', [
    '-q',
    '-F',
    '-t',
    'ext4',
    '-d',
    root,
    '-E',
    `offset=${p2Start * sector}`,
    path,
    `${p2Bytes / 1024}k`,
  ]);
}

/** fsck.vfat has no offset option: check a copy of the partition. */
function fsckP1(image: string): string {
  const part = join(dir, 'p1.img');
  sh('dd', [
    `if=${image}`,
    `of=${part}`,
    `bs=${sector}`,
    `skip=${p1Start}`,
    `count=${p1Sectors}`,
    'status=none',
  ]);
  // -n: check only; a non-zero exit (errors found) makes execFileSync throw.
  return sh('fsck.vfat', ['-n', part]);
}

const fat = (path: string) => ({ path, offsetBytes: p1Start * sector });

const linuxOnly = process.platform !== 'linux' ? 'linux only' : undefined;

describeNeeds({ root: true, unless: linuxOnly }, 'armada configure on images and cards', () => {
  let keyFile: string;
  beforeAll(() => {
    process.env.ARMADA_CONFIG_DIR = join(dir, 'config');
    sh('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'test@laptop',
      '-f',
      join(dir, 'id_ed25519'),
    ]);
    keyFile = join(dir, 'id_ed25519.pub');
  });
  afterAll(() => {
    process.env = savedEnv;
  });

  test('laptop-CA seed on an armada image: files read back, FAT clean, cert from the laptop CA', async () => {
    const img = join(dir, 'armada.img');
    await makeImage(img, { armada: true });
    const userData = join(dir, 'user-data.yaml');
    await writeFile(
      userData,
      '#cloud-config\nwrite_files:\n  - {path: /etc/motd, content: "hello\\n"}\nruncmd:\n  - [echo, "it\'s up"]\n',
    );
    const result = await configureTarget({
      target: img,
      seed: {
        hostname: 'pi-{n}',
        start: 4,
        sshKey: [keyFile],
        password: 'sekrit',
        wifiSsid: "Café 'Net'",
        wifiPassword: 'passphrase1',
        wifiCountry: 'fr',
        userData,
        tls: 'laptop',
      },
    });
    expect(result).toMatchObject({
      hostname: 'pi-4',
      username: 'armada',
      tlsMode: 'laptop',
      armadaImage: true,
    });
    expect(fsckP1(img)).not.toMatch(/differ|Free cluster summary wrong|Orphan|not fixed/i);

    const listed = (await listFat(fat(img), '/armada'))
      .filter((p) => !p.endsWith('/'))
      .map((p) => p.slice(1))
      .sort();
    expect(listed).toEqual([...result.files].sort());
    const env = parseSeedEnv((await readFat(fat(img), '/armada/seed.env'))!.toString());
    expect(env).toMatchObject({
      HOSTNAME: 'pi-4',
      USERNAME: 'armada',
      WIFI_SSID: "Café 'Net'",
      WIFI_COUNTRY: 'FR',
      TLS_MODE: 'laptop',
    });
    expect(env.PASSWORD_HASH).toMatch(/^\$6\$rounds=100000\$/);
    expect(env.WIFI_PSK).toMatch(/^[0-9a-f]{64}$/);
    expect((await readFat(fat(img), '/armada/authorized_keys'))!.toString()).toBe(
      await readFile(keyFile, 'utf8'),
    );
    expect((await readFat(fat(img), '/armada/files/1'))!.toString()).toBe('hello\n');
    expect((await readFat(fat(img), '/armada/runcmd.sh'))!.toString()).toContain(
      "'echo' 'it'\\''s up'",
    );

    const ca = await readFile(join(dir, 'config/ca/ca.pem'), 'utf8');
    const server = (await readFat(fat(img), '/armada/tls/server.pem'))!.toString();
    expect((await readFat(fat(img), '/armada/tls/ca.pem'))!.toString()).toBe(ca);
    expect(isIssuedBy(server, ca)).toBe(true);
    expect(describeCert(server).subjectAltNames).toEqual([
      'DNS:pi-4',
      'DNS:pi-4.local',
      'DNS:localhost',
      'IP Address:127.0.0.1',
    ]);
    expect(
      sh(
        'openssl',
        ['verify', '-CAfile', join(dir, 'config/ca/ca.pem'), '-purpose', 'sslserver'],
        server,
      ),
    ).toMatch(/OK/);
    // The CA key never goes to the card.
    const all = await Promise.all(
      result.files.map(async (f) => (await readFat(fat(img), `/${f}`))!.toString()),
    );
    expect(all.join('')).not.toContain(
      (await readFile(join(dir, 'config/ca/ca-key.pem'), 'utf8')).split('\n')[1],
    );
    expect(all.join('')).not.toMatch(/sekrit|passphrase1/);

    // A second configure replaces the seed: no TLS files, no runcmd left behind, and none of the
    // old secrets' bytes anywhere in the image (deleted FAT files keep theirs unless overwritten).
    const oldSecrets = [
      (await readFat(fat(img), '/armada/tls/server-key.pem'))!.toString().split('\n')[1],
      env.WIFI_PSK,
      env.PASSWORD_HASH,
      "'echo' 'it'\\''s up'",
    ];
    const again = await configureTarget({
      target: img,
      seed: { hostname: 'other', sshKey: [keyFile], tls: 'device' },
    });
    const after = (await listFat(fat(img), '/armada'))
      .filter((p) => !p.endsWith('/'))
      .map((p) => p.slice(1))
      .sort();
    expect(after).toEqual([...again.files].sort());
    expect(after).toEqual(['armada/authorized_keys', 'armada/seed.env', 'armada/tls/client.csr']);
    // Device-CA mode: only a certificate request for the key this laptop keeps.
    const csr = (await readFat(fat(img), '/armada/tls/client.csr'))!.toString();
    expect(csr).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
    const deviceKey = await readFile(join(dir, 'config/device-client/key.pem'), 'utf8');
    expect(sh('openssl', ['req', '-noout', '-pubkey'], csr)).toBe(
      sh('openssl', ['pkey', '-pubout'], deviceKey),
    );
    for (const f of after)
      expect((await readFat(fat(img), `/${f}`))!.toString(), f).not.toMatch(/PRIVATE KEY/);
    expect(parseSeedEnv((await readFat(fat(img), '/armada/seed.env'))!.toString())).toMatchObject({
      HOSTNAME: 'other',
      TLS_MODE: 'device',
    });
    const bytes = await readFile(img);
    for (const secret of oldSecrets) expect(bytes.includes(secret), secret).toBe(false);
    expect(fsckP1(img)).not.toMatch(/differ|Free cluster summary wrong|Orphan|not fixed/i);
  });

  test('--config-txt: an armada block at the end of config.txt, replaced by a re-seed, refused lines change nothing', async () => {
    const img = join(dir, 'config-txt.img');
    await makeImage(img, { armada: true });
    const original =
      'arm_64bit=1\nenable_uart=1\nupstream_kernel=1\nkernel=vmlinuz\ninitramfs initrd.img followkernel\n[cm4]\ndevice_tree=bcm2711-rpi-cm4-io.dtb\n[all]\n';
    await writeFat(fat(img), '/config.txt', original);
    const seed = { hostname: 'pi-hat', sshKey: [keyFile], tls: 'device' as const };
    const configTxt = async () => (await readFat(fat(img), '/config.txt'))!.toString('utf8');

    const first = await configureTarget({
      target: img,
      seed: { ...seed, configTxt: ['dtoverlay=vc4-kms-v3d', '[pi4]', 'gpu_mem=128'] },
    });
    expect(first.configTxt).toEqual(['dtoverlay=vc4-kms-v3d', '[pi4]', 'gpu_mem=128']);
    expect(await configTxt()).toBe(
      original +
        '# BEGIN armada --config-txt (armada flash/configure replace this block)\n[all]\ndtoverlay=vc4-kms-v3d\n[pi4]\ngpu_mem=128\n# END armada --config-txt\n',
    );

    // A re-seed with other lines replaces the block; one without --config-txt keeps it.
    const file = join(dir, 'hat.txt');
    await writeFile(file, '# the sense HAT\ndtoverlay=rpi-sense\n');
    await configureTarget({ target: img, seed: { ...seed, configTxtFile: file } });
    await configureTarget({ target: img, seed });
    const text = await configTxt();
    expect(text.match(/# BEGIN armada/g)).toHaveLength(1);
    expect(text).not.toContain('vc4-kms-v3d');
    expect(text).toContain('# the sense HAT\ndtoverlay=rpi-sense\n# END armada');
    expect(text.startsWith(original)).toBe(true);

    const before = await readFile(img);
    const error = await configureTarget({
      target: img,
      seed: { ...seed, configTxt: ['kernel=kernel8.img', 'dtoverlay w1-gpio', 'arm_64bit=0'] },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(/3 config\.txt lines were refused/);
    expect((error as UserError).details.join('\n')).toMatch(
      /'kernel=kernel8\.img' kernel= is armada's[\s\S]*'dtoverlay w1-gpio' is neither key=value[\s\S]*'arm_64bit=0' arm_64bit= is armada's/,
    );
    expect((await readFile(img)).equals(before)).toBe(true);

    // An empty file removes the block, and config.txt is the image's own again.
    const empty = join(dir, 'empty.txt');
    await writeFile(empty, '');
    await configureTarget({ target: img, seed: { ...seed, configTxtFile: empty } });
    expect(await configTxt()).toBe(original);
    expect(fsckP1(img)).not.toMatch(/differ|Free cluster summary wrong|Orphan|not fixed/i);
  });

  test('an image not built by armada is seeded with a warning', async () => {
    const img = join(dir, 'plain.img');
    await makeImage(img, { armada: false });
    const r = await configureTarget({
      target: img,
      seed: { hostname: 'debian', sshKey: [keyFile], tls: 'device' },
    });
    expect(r.armadaImage).toBe(false);
    expect(await listFat(fat(img), '/armada')).toContain('/armada/seed.env');
  });

  test('bad settings: every problem listed, nothing written', async () => {
    const img = join(dir, 'untouched.img');
    await makeImage(img, { armada: true });
    const before = await readFile(img);
    const error = await configureTarget({
      target: img,
      seed: {
        hostname: 'a.b',
        wifiSsid: 'x',
        wifiPassword: 'short',
        sshKey: [join(dir, 'missing.pub')],
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(
      /problems in the seed settings; nothing was written/,
    );
    expect((error as UserError).details.join('\n')).toMatch(
      /--hostname[\s\S]*--wifi-password|--wifi-password[\s\S]*--hostname/,
    );
    expect((error as UserError).details.join('\n')).toMatch(/missing\.pub.*ENOENT/);
    expect((await readFile(img)).equals(before)).toBe(true);
  });

  test('targets without a FAT partition 1 are refused', async () => {
    const img = join(dir, 'linux-p1.img');
    await makeImage(img, { armada: true, p1Type: '83' });
    await expect(configureTarget({ target: img, seed: { tls: 'device' } })).rejects.toThrow(
      /partition 1 .* is not FAT/,
    );
    const blank = join(dir, 'blank.img');
    sh('truncate', ['-s', '8M', blank]);
    await expect(configureTarget({ target: blank, seed: { tls: 'device' } })).rejects.toThrow(
      /no partition table/,
    );
    await expect(configureTarget({ target: join(dir, 'nope.img'), seed: {} })).rejects.toThrow(
      /does not exist/,
    );
  });

  test('a card (loop device) holding an image', async () => {
    const img = join(dir, 'for-card.img');
    await makeImage(img, { armada: true });
    const card = await makeCard(join(dir, 'card.bin'), imageBytes);
    // makeCard's own afterAll does not fire when it is called inside a test: detach here.
    try {
      sh('dd', [`if=${img}`, `of=${card.device}`, 'bs=4M', 'conv=fsync', 'status=none']);
      const r = await configureTarget({
        target: card.device,
        seed: { hostname: 'card', sshKey: [keyFile] },
        rules: { allowVirtual: true },
      });
      expect(r).toMatchObject({ hostname: 'card', armadaImage: true, tlsMode: 'laptop' });
      expect(
        parseSeedEnv((await readFat(fat(card.device), '/armada/seed.env'))!.toString()).HOSTNAME,
      ).toBe('card');
      const copy = join(dir, 'card-copy.img');
      sh('dd', [`if=${card.device}`, `of=${copy}`, 'bs=4M', 'status=none']);
      expect(fsckP1(copy)).not.toMatch(/differ|Free cluster summary wrong|Orphan/i);
    } finally {
      execFileSync('losetup', ['-d', card.device]);
    }
  });

  test('read-back compares bytes and the listing: a mismatch is a CheckFailedError', async () => {
    const img = join(dir, 'verify.img');
    await makeImage(img, { armada: true });
    const r = await configureTarget({
      target: img,
      seed: { hostname: 'v', sshKey: [keyFile], tls: 'device' },
    });
    const files = await Promise.all(
      r.files.map(async (path) => ({
        path,
        content: (await readFat(fat(img), `/${path}`))!,
        secret: false,
      })),
    );
    await expect(verifySeed(fat(img), files)).resolves.toBeUndefined();
    const changed = files.map((f) =>
      f.path === 'armada/seed.env' ? { ...f, content: Buffer.from("HOSTNAME='x'\n") } : f,
    );
    await expect(verifySeed(fat(img), changed)).rejects.toThrow(CheckFailedError);
    await expect(verifySeed(fat(img), files.slice(1))).rejects.toThrow(/unexpected/);
  });

  test('a nearly full FAT: refused before writing, the old seed stays whole', async () => {
    const img = join(dir, 'full.img');
    await makeImage(img, { armada: true });
    await configureTarget({ target: img, seed: { hostname: 'old', sshKey: [keyFile] } });
    const before = (await listFat(fat(img), '/armada')).sort();
    const space = (await fatSpace(fat(img)))!;
    // Leave less than the new seed needs beside the old one.
    await writeFat(fat(img), '/filler.bin', Buffer.alloc(space.freeBytes - 4 * space.clusterBytes));
    const userData = join(dir, 'big-user-data.yaml');
    await writeFile(
      userData,
      `#cloud-config\nwrite_files:\n  - {path: /etc/big, content: "${'x'.repeat(20_000)}"}\n`,
    );
    await expect(
      configureTarget({
        target: img,
        seed: { hostname: 'new', sshKey: [keyFile], userData },
      }),
    ).rejects.toThrow(/KiB free but the seed needs .*nothing was changed/);
    expect((await listFat(fat(img), '/armada')).sort()).toEqual(before);
    expect(await listFat(fat(img), '/armada.new')).toEqual([]);
    expect(parseSeedEnv((await readFat(fat(img), '/armada/seed.env'))!.toString()).HOSTNAME).toBe(
      'old',
    );
    expect(fsckP1(img)).not.toMatch(/differ|Free cluster summary wrong|Orphan|not fixed/i);
  });

  test('a seed stopped between its two renames is recovered by the next run', async () => {
    const img = join(dir, 'swap.img');
    await makeImage(img, { armada: true });
    await configureTarget({ target: img, seed: { hostname: 'one', sshKey: [keyFile] } });
    sh('mren', ['-i', `${img}@@${p1Start * sector}`, '::/armada', '::/armada.old']);
    await configureTarget({ target: img, seed: { hostname: 'two', sshKey: [keyFile] } });
    expect(await listFat(fat(img), '/armada.old')).toEqual([]);
    expect(parseSeedEnv((await readFat(fat(img), '/armada/seed.env'))!.toString()).HOSTNAME).toBe(
      'two',
    );
  });

  test('a GPT image whose FAT has the basic-data type is seeded', async () => {
    const img = join(dir, 'gpt.img');
    await makeImage(img, { armada: true });
    // Same partitions, GPT instead of MBR: sfdisk rewrites only the table.
    sh(
      'sfdisk',
      ['-q', '--wipe', 'never', img],
      `label: gpt\nstart=${p1Start}, size=${p1Sectors}, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\nstart=${p2Start}, size=${imageBytes / sector - p2Start - 2048}, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n`,
    );
    const r = await configureTarget({ target: img, seed: { hostname: 'g', sshKey: [keyFile] } });
    expect(r.hostname).toBe('g');
    expect(await listFat(fat(img), '/armada')).toContain('/armada/seed.env');
  });

  test('a card Raspberry Pi Imager 2 customised: its NoCloud files become the seed, then leave the card', async () => {
    const img = join(dir, 'imager.img');
    await makeImage(img, { armada: true });
    const fixture = (name: string) =>
      readFile(new URL(`../../fixtures/seed/imager2/${name}`, import.meta.url), 'utf8');
    const imager = {
      'user-data': await fixture('user-data'),
      'network-config': await fixture('network-config'),
      'meta-data': await fixture('meta-data'),
    };
    for (const [name, text] of Object.entries(imager)) await writeFat(fat(img), `/${name}`, text);
    await writeFat(fat(img), '/cmdline.txt', 'console=tty1 root=/dev/mmcblk0p2 ds=nocloud;i=x\n');

    // A flag laid over the imported settings wins; everything else comes from the card.
    const r = await configureTarget({ target: img, seed: { hostname: 'lab-1' } });
    expect(r).toMatchObject({
      hostname: 'lab-1',
      username: 'pi',
      imported: {
        from: ['user-data', 'network-config'],
        removed: ['user-data', 'network-config', 'meta-data'],
      },
    });
    const env = parseSeedEnv((await readFat(fat(img), '/armada/seed.env'))!.toString());
    expect(env).toMatchObject({
      HOSTNAME: 'lab-1',
      USERNAME: 'pi',
      PASSWORD_HASH: '$5$Imager5Salt$dl772XxhBJIgGod/G5ExIQquTlN5uFANTq9pfXBZSZ7',
      WIFI_SSID: 'Pi Lab 5G',
      WIFI_COUNTRY: 'GB',
      TIMEZONE: 'Europe/London',
      KEYMAP: 'gb',
    });
    expect(env.WIFI_PSK).toMatch(/^1b53013a/);
    expect((await readFat(fat(img), '/armada/authorized_keys'))!.toString()).toContain(
      'pirate@laptop',
    );
    expect(r.files.some((f) => /^armada\/network\/.*eth0\.network$/.test(f))).toBe(true);

    // Imager's files are gone, and so are their bytes (hash and PSK); cmdline.txt is untouched.
    const root = await listFat(fat(img), '/');
    for (const name of Object.keys(imager)) expect(root).not.toContain(`/${name}`);
    expect((await readFat(fat(img), '/cmdline.txt'))!.toString()).toContain('ds=nocloud;i=x');
    const bytes = await readFile(img);
    expect(bytes.includes('Imager5Salt')).toBe(true); // the hash is in armada/seed.env now
    expect(bytes.includes('rpi-imager-1765130000000')).toBe(false);
    expect(bytes.includes('password: "1b53013a')).toBe(false);
    expect(fsckP1(img)).not.toMatch(/differ|Free cluster summary wrong|Orphan|not fixed/i);

    // Configured again, nothing is left to import: the card's seed is armada's own.
    const again = await configureTarget({ target: img, seed: { sshKey: [keyFile] } });
    expect(again.imported).toBeUndefined();
    expect(again.username).toBe('armada');
  });

  test('--user-data given: the card’s Imager files are not imported and stay; firstrun.sh goes all the same', async () => {
    const img = join(dir, 'imager-own.img');
    await makeImage(img, { armada: true });
    await writeFat(fat(img), '/user-data', '#cloud-config\nhostname: from-card\n');
    // Imager 1.x: a script with the secrets in the clear, run instead of the system at boot.
    await writeFat(
      fat(img),
      '/firstrun.sh',
      '#!/bin/bash\necho "pi:$5$FirstrunSalt" | chpasswd -e\n',
    );
    await writeFat(
      fat(img),
      '/cmdline.txt',
      'console=tty1 root=/dev/mmcblk0p2 rootwait systemd.run=/boot/firstrun.sh systemd.run_success_action=reboot systemd.unit=kernel-command-line.target\n',
    );
    const own = join(dir, 'own-user-data.yaml');
    await writeFile(own, '#cloud-config\nhostname: mine\n');
    const r = await configureTarget({ target: img, seed: { userData: own, sshKey: [keyFile] } });
    expect(r.hostname).toBe('mine');
    expect(r.imported).toBeUndefined();
    expect(await listFat(fat(img), '/')).toContain('/user-data');
    expect(await listFat(fat(img), '/')).not.toContain('/firstrun.sh');
    expect((await readFile(img)).includes('FirstrunSalt')).toBe(false);
    expect((await readFat(fat(img), '/cmdline.txt'))!.toString()).toBe(
      'console=tty1 root=/dev/mmcblk0p2 rootwait\n',
    );
  });

  test('a directory or a compressed image is named for what it is, with what to do', async () => {
    await expect(configureTarget({ target: dir, seed: {} })).rejects.toThrow(
      /is a directory; give an image file/,
    );
    const img = join(dir, 'packed.img');
    await makeImage(img, { armada: true });
    sh('xz', ['-0', '-k', '-T1', img]);
    await expect(configureTarget({ target: `${img}.xz`, seed: {} })).rejects.toThrow(
      /is xz-compressed; .*decompress it first \(xz -dk .*armada flash/,
    );
  });

  describe('as a user without the rights', () => {
    // A directory nobody can enter, holding what the unprivileged runs need.
    const open = join(dir, 'open');
    beforeAll(async () => {
      await mkdir(open, { recursive: true });
      sh('chmod', ['0755', dir, open]);
    });

    test('a card device: needs root, said as such; nothing created', async () => {
      const img = join(open, 'for-nobody-card.img');
      await makeImage(img, { armada: true });
      const card = await makeCard(join(dir, 'nobody-card.bin'), imageBytes);
      try {
        sh('dd', [`if=${img}`, `of=${card.device}`, 'bs=4M', 'conv=fsync', 'status=none']);
        const config = join(open, 'cfg-card');
        sh('mkdir', ['-p', join(open, 'home')]);
        sh('chown', ['nobody', join(open, 'home')]);
        for (const args of [
          [
            'configure',
            card.device,
            '--allow-virtual',
            '--hostname',
            'n',
            '--tls',
            'device',
            '--ssh-key',
            keyFile,
          ],
          ['connect', 'pi-1.local', '--from-card', card.device],
        ]) {
          const r = await armada(args, { asNobody: true, env: { ARMADA_CONFIG_DIR: config } });
          expect(r.code, r.stderr).toBe(1);
          expect(r.stderr).toMatch(/cannot read \/dev\/loop\d+: permission denied .*sudo/);
          expect(r.stderr).not.toMatch(/no partition table/);
        }
        expect(existsSync(config)).toBe(false);
      } finally {
        execFileSync('losetup', ['-d', card.device]);
      }
    });

    test('a read-only image: the real cause and fix, no CA made, no success printed', async () => {
      const img = join(open, 'read-only.img');
      await makeImage(img, { armada: true });
      sh('chmod', ['0444', img]);
      const before = await readFile(img);
      const config = join(open, 'cfg-ro');
      const r = await armada(['configure', img, '--hostname', 'ro', '--ssh-key', keyFile], {
        asNobody: true,
        env: { ARMADA_CONFIG_DIR: config },
      });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/cannot write .*read-only\.img: permission denied .*chmod u\+w/);
      expect(r.stderr).not.toMatch(/seed is written|mcopy/);
      expect(existsSync(config)).toBe(false);
      expect((await readFile(img)).equals(before)).toBe(true);
    });

    test('an unwritable config dir: which directory, and chown or ARMADA_CONFIG_DIR', async () => {
      const img = join(open, 'writable.img');
      await makeImage(img, { armada: true });
      sh('chown', ['nobody', img]);
      const config = join(open, 'root-owned', 'armada');
      sh('mkdir', ['-p', config]);
      const r = await armada(['configure', img, '--hostname', 'rw', '--ssh-key', keyFile], {
        asNobody: true,
        env: { ARMADA_CONFIG_DIR: config },
      });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(
        /cannot write armada's config dir .*root-owned\/armada.*chown.*ARMADA_CONFIG_DIR/,
      );
      expect(r.stderr).not.toMatch(/run it again with sudo/);
    });
  });
});
