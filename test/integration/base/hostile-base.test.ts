import { execFileSync } from 'node:child_process';
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { aptUpdateCommand, aptInstallCommand } from '../../../src/base/plan-docker.js';
import { applyFiles } from '../../../src/firstboot/apply-files.js';
import { inSandbox } from '../../../src/build/steps/install-docker.js';
import { stripTree } from '../../../src/build/strip-tree.js';
import { planFirstBoot } from '../../../src/firstboot/plan.js';
import { directoryCandidates } from '../../../src/kernel/rootfs.js';
import { describeNeeds, toolsReason } from '../../helpers/needs.js';
import { suiteTempDir } from '../../helpers/tmp.js';

/**
 * A hostile base (docs/base-images.md, SECURITY.md): absolute links out of its tree and code that
 * reaches for the build host. The code is a shell script standing in for apt-get, run through
 * the same command and sandbox as the real install (a real apt under qemu-user is the e2e tier's).
 */
describeNeeds(
  { root: true, unless: toolsReason('busybox', 'unshare', 'capsh', 'mount', 'mknod') },
  'a hostile base cannot reach the build host',
  () => {
    let dir: string;
    let root: string;
    let host: string;
    const hostDirs = ['log', 'tmp', 'docker', 'dev', 'archives'];

    /** Every file under the host dirs, with its content: must not change. */
    async function snapshot(): Promise<Record<string, string>> {
      const out: Record<string, string> = {};
      for (const d of hostDirs)
        for (const n of await readdir(join(host, d)))
          out[`${d}/${n}`] = await readFile(join(host, d, n), 'utf8');
      return out;
    }

    beforeEach(async () => {
      dir = await suiteTempDir('armada-hostile-');
      root = join(dir, 'rootfs');
      // Not under the temp dir: the tree's own tmp link would lead back into itself (a loop,
      // refused) before reaching the host dirs.
      host = await mkdtemp('/var/tmp/armada-hostile-host-');
      for (const d of hostDirs) {
        await mkdir(join(host, d), { recursive: true });
        await writeFile(join(host, d, 'keep'), `host ${d}\n`);
      }
      for (const d of ['bin', 'usr/bin', 'usr/sbin', 'etc', 'var/cache/apt', 'var/lib', 'proc'])
        await mkdir(join(root, d), { recursive: true });
      const busybox = execFileSync('sh', ['-c', 'command -v busybox']).toString().trim();
      await writeFile(join(root, 'bin/busybox'), await readFile(busybox), { mode: 0o755 });
      for (const c of ['sh', 'cat', 'ls', 'mknod', 'mount', 'echo', 'chroot', 'sleep', 'grep'])
        await symlink('busybox', join(root, 'bin', c));
      await symlink('/bin/busybox', join(root, 'usr/bin/env'));
      // The links: absolute, out of the tree, to directories of the host.
      await symlink(join(host, 'log'), join(root, 'var/log'));
      await symlink(join(host, 'tmp'), join(root, 'tmp'));
      await symlink(join(host, 'docker'), join(root, 'etc/docker'));
      await symlink(join(host, 'dev'), join(root, 'dev'));
      await symlink(join(host, 'archives'), join(root, 'var/cache/apt/archives'));
      await symlink('/etc/shadow', join(root, 'etc/resolv.conf'));
    });

    afterEach(() => rm(host, { recursive: true, force: true }));

    it('strip-identity and the written files stay in the tree', async () => {
      const before = await snapshot();
      await stripTree(root);
      const parts = planFirstBoot({
        armadaVersion: 't',
        insecureTcp: false,
        builtAt: '2026-01-01T00:00:00Z',
      });
      await applyFiles(root, parts.docker.files, parts.docker.symlinks);
      await applyFiles(root, [{ path: '/var/log/armada.log', mode: 0o600, content: 'x' }]);
      expect(await snapshot()).toEqual(before);
      // The links named the tree's own paths: that is where the files went.
      const daemon = parts.docker.files.find((f) => f.path === '/etc/docker/daemon.json');
      expect(daemon).toBeDefined();
      expect(await readFile(join(root, host, 'docker/daemon.json'), 'utf8')).toBe(daemon!.content);
      expect(await readFile(join(root, host, 'log/armada.log'), 'utf8')).toBe('x');
      expect(await readlink(join(root, 'etc/docker'))).toBe(join(host, 'docker'));
    });

    it("a kernel config linked to the host's is not read", async () => {
      await mkdir(join(root, 'boot'), { recursive: true });
      await symlink(join(host, 'log/keep'), join(root, 'boot/config-6.6.62+rpt-rpi-v8'));
      const found = await directoryCandidates(root);
      expect(found.candidates.map((c) => c.label)).not.toContain('boot/config-6.6.62+rpt-rpi-v8');
    });

    it("the base's code runs with a private /dev, no host path and no way out", async () => {
      const marker = `armada-hostile-${process.pid}-${Date.now()}`;
      // What a maintainer script could try, each attempt's outcome printed.
      const hostile = [
        '#!/bin/sh',
        'try() { if "$@" 2>/dev/null; then echo "OK $*"; else echo "NO $*"; fi; }',
        'ls /dev',
        `for n in /dev/*; do [ -b "$n" ] && echo "BLOCK $n"; done`,
        'try mknod /dev/vda b 253 0',
        'try sh -c "echo x > /dev/vda"',
        `try sh -c "echo x > /${marker}"`,
        `try sh -c "echo x > ${host}/log/keep"`,
        `try sh -c "echo x > ${host}/dev/keep"`,
        'try mount -t tmpfs none /tmp',
        'try chroot /bin /busybox true',
        'try sh -c "cat /proc/sys/kernel/printk_ratelimit > /proc/sys/kernel/printk_ratelimit"',
        'try sh -c "echo x > /proc/sysrq-trigger.armada"',
        'echo "PID1 $(cat /proc/1/cmdline | tr "\\0" " ")"',
        'try ls /proc/1/root/bin/busybox',
        // A process left behind to write later: ended with the sandbox.
        `(sleep 2; echo late > /${marker}.late) &`,
        'exit 0',
      ].join('\n');
      await writeFile(join(root, 'usr/bin/apt-get'), hostile, { mode: 0o755 });
      const before = await snapshot();
      const r = await inSandbox(root, aptUpdateCommand(root, 'base'));
      const said = r.stdout.split('\n');
      expect(said).toContain('null');
      expect(said).toContain('urandom');
      expect(said.filter((l) => l.startsWith('BLOCK '))).toEqual([]);
      for (const t of [
        'mknod /dev/vda b 253 0',
        'mount -t tmpfs none /tmp',
        'chroot /bin /busybox true',
        'sh -c cat /proc/sys/kernel/printk_ratelimit > /proc/sys/kernel/printk_ratelimit',
      ])
        expect(said).toContain(`NO ${t}`);
      // What it wrote to "/" and to the host's paths landed in the tree.
      expect(said).toContain(`OK sh -c echo x > /${marker}`);
      expect(await readFile(join(root, marker), 'utf8')).toBe('x\n');
      await expect(lstat(`/${marker}`)).rejects.toThrow();
      expect(said.find((l) => l.startsWith('PID1 '))).toContain('apt-get');
      // The tree's dev link became a directory of its own; the host's dev dir is untouched.
      expect((await lstat(join(root, 'dev'))).isDirectory()).toBe(true);
      await new Promise((r) => setTimeout(r, 3000));
      await expect(lstat(join(root, `${marker}.late`))).rejects.toThrow();
      await expect(lstat(`/${marker}.late`)).rejects.toThrow();
      expect(await snapshot()).toEqual(before);
    });

    it('offline, the sandbox has no network', async () => {
      await writeFile(
        join(root, 'usr/bin/apt-get'),
        '#!/bin/sh\ncat /proc/net/dev | grep -c : \n',
        { mode: 0o755 },
      );
      const r = await inSandbox(root, aptInstallCommand(root, 'local', ['a.deb']));
      // Only lo.
      expect(r.stdout.trim()).toBe('1');
    });
  },
);
