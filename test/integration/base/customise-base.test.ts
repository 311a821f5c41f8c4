import { execFileSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { readBase } from '../../../src/base/read-base.js';
import type { BuildContext } from '../../../src/build/context.js';
import { resolveBuildOptions } from '../../../src/commands/build.js';
import { planFirstBoot } from '../../../src/firstboot/plan.js';
import { listFat, readFat } from '../../../src/image/fat.js';
import { readExt4, statExt4 } from '../../../src/image/ext4.js';
import { runSteps } from '../../../src/progress.js';
import { withCleanup } from '../../../src/cleanup.js';
import { openBase } from '../../../src/build/steps/open-base.js';
import { extractBaseRootfs } from '../../../src/build/steps/extract-base-rootfs.js';
import { takeOverFirstBoot } from '../../../src/build/steps/take-over-first-boot.js';
import { configureDocker } from '../../../src/build/steps/configure-docker.js';
import { installFirstBoot } from '../../../src/build/steps/install-firstboot.js';
import { stripIdentity } from '../../../src/build/steps/strip-identity.js';
import { assembleBaseImage } from '../../../src/build/steps/assemble-base-image.js';
import { writeArtifacts } from '../../../src/build/steps/write-artifacts.js';
import { makeStandIn } from '../../helpers/base-image.js';
import { checkSumsSignature } from '../../../src/source/verify-sums.js';
import { armada, buildCli } from '../../helpers/cli.js';
import { describeNeeds, toolsReason } from '../../helpers/needs.js';
import { suiteTempDir } from '../../helpers/tmp.js';

/**
 * The customising steps of build --base on a small stand-in (everything but the Docker packages,
 * which need the base's userland under qemu-user: the e2e stand-in has it).
 */
describeNeeds(
  { root: true, unless: toolsReason('sfdisk', 'mkfs.vfat', 'mcopy', 'mke2fs', 'debugfs', 'dd') },
  'customising a base: boot files kept, first boot taken over, root rebuilt',
  () => {
    let dir: string;
    let base: string;
    let ctx: BuildContext;
    beforeAll(async () => {
      dir = await suiteTempDir('armada-customise-');
      base = (
        await makeStandIn(dir, {
          style: 'sys-mods',
          root: { '/etc/ssh/ssh_host_ed25519_key': 'secret\n', '/etc/machine-id': 'abc\n' },
        })
      ).img;
      execFileSync('mkdir', ['-p', join(dir, 'out'), join(dir, 'work')]);
      // build --sign-key: a key made here (never in ~/.ssh).
      execFileSync('ssh-keygen', [
        '-q',
        '-t',
        'ed25519',
        '-N',
        '',
        '-C',
        'rel',
        '-f',
        join(dir, 'sign'),
      ]);
      const o = resolveBuildOptions({
        signKey: join(dir, 'sign'),
        out: join(dir, 'out'),
        name: 'custom',
        workDir: join(dir, 'work'),
        compress: [],
        requireKernel: [],
        cacheDir: join(dir, 'cache'),
        headroomMiB: 64,
      });
      const time = new Date('2026-01-01T00:00:00Z');
      const parts = planFirstBoot({
        armadaVersion: 'test',
        insecureTcp: false,
        builtAt: time.toISOString(),
      });
      ctx = { timings: {} };
      await withCleanup(() =>
        runSteps(
          [
            openBase({ base }, o),
            extractBaseRootfs(),
            takeOverFirstBoot(time),
            configureDocker(o, parts, time),
            installFirstBoot(parts, time),
            stripIdentity(),
            assembleBaseImage(o, time),
            writeArtifacts(o, time),
          ],
          ctx,
        ),
      );
    });

    it('writes the artifacts, the manifest recording the base and every change', async () => {
      expect((await readdir(join(dir, 'out'))).sort()).toEqual([
        'SHA256SUMS',
        'SHA256SUMS.sig',
        'custom.bmap',
        'custom.img',
        'manifest.json',
      ]);
      const m = JSON.parse(await readFile(join(dir, 'out/manifest.json'), 'utf8'));
      expect(m.base).toMatchObject({
        source: base,
        firstBootStyle: 'sys-mods',
        format: 'raw',
        kernels: [
          { file: 'kernel8.img', ok: true },
          { file: 'kernel_2712.img', ok: true },
        ],
      });
      expect(m.base.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(m.base.changes.map((c: { path: string }) => c.path)).toContain('/userconf.txt');
      // The signature is of the SHA256SUMS written, checked as flash checks it.
      const pub = await readFile(join(dir, 'sign.pub'), 'utf8');
      await writeFile(join(dir, 'trusted'), pub);
      expect(
        await checkSumsSignature(
          join(dir, 'out/SHA256SUMS'),
          await readFile(join(dir, 'out/SHA256SUMS'), 'utf8'),
          { trustedKeys: join(dir, 'trusted'), require: true },
        ),
      ).toMatchObject({ status: 'verified', name: 'rel' });
      expect(ctx.artifacts?.map((a) => a.kind)).toContain('SHA256SUMS.sig');
      // The work dir went with the run.
      expect(await readdir(join(dir, 'work'))).toEqual([]);
    });

    it("keeps the base's disk id, root UUID and boot files; fixes cmdline.txt", async () => {
      const img = join(dir, 'out/custom.img');
      const before = await readBase(base, base);
      const after = await readBase(img, img);
      expect(after.table.id).toBe(before.table.id);
      expect(after.root.fs.uuid).toBe(before.root.fs.uuid);
      expect(after.root.offsetBytes).toBe(before.root.offsetBytes);
      expect(after.root.sizeBytes).toBeGreaterThanOrEqual(before.root.sizeBytes);
      const fat = { path: img, offsetBytes: after.boot.offsetBytes };
      const baseFat = { path: base, offsetBytes: before.boot.offsetBytes };
      expect((await listFat(fat)).sort()).toEqual(
        (await listFat(baseFat)).filter((f) => f !== '/userconf.txt').sort(),
      );
      expect(await readFat(fat, '/kernel8.img')).toEqual(await readFat(baseFat, '/kernel8.img'));
      const cmdline = (await readFat(fat, '/cmdline.txt'))!.toString();
      expect(cmdline).toContain(`root=PARTUUID=${before.table.id}-02`);
      expect(cmdline).toContain('cgroup_enable=memory cgroup_memory=1');
      expect(cmdline).not.toContain('init=');
      expect(after.kernels.every((k) => k.ok)).toBe(true);
    });

    it('the root: first boot installed, base first boot masked, identity stripped, pi locked', async () => {
      const img = join(dir, 'out/custom.img');
      const after = await readBase(img, img);
      const v = { path: img, offsetBytes: after.root.offsetBytes };
      expect(await statExt4(v, '/etc/systemd/system/armada-firstboot.service')).toBeTruthy();
      expect((await readExt4(v, '/etc/docker/daemon.json'))!.toString()).toContain(
        '"tlsverify": true',
      );
      expect(await statExt4(v, '/etc/systemd/system/userconfig.service')).toMatch(/Type: symlink/);
      expect(await readExt4(v, '/etc/ssh/ssh_host_ed25519_key')).toBeUndefined();
      expect((await readExt4(v, '/etc/machine-id'))!.length).toBe(0);
      expect((await readExt4(v, '/etc/hostname'))!.toString()).toBe('armada\n');
      expect((await readExt4(v, '/etc/shadow'))!.toString()).toMatch(/^pi:!:/m);
      expect(after.plan.shadow.locked).toEqual([]);
    });

    it('takes a seed from armada configure like any armada image', async () => {
      await buildCli();
      const img = join(dir, 'out/custom.img');
      const r = await armada(['configure', img, '--hostname', 'based-pi', '--tls', 'laptop'], {
        env: { ARMADA_CONFIG_DIR: join(dir, 'laptop') },
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/does not look like an armada image/);
      const after = await readBase(img, img);
      const fat = { path: img, offsetBytes: after.boot.offsetBytes };
      expect((await readFat(fat, '/armada/seed.env'))!.toString()).toMatch(
        /^HOSTNAME='based-pi'$/m,
      );
      expect(await readFat(fat, '/armada/tls/server-key.pem')).toBeTruthy();
    });
  },
);
