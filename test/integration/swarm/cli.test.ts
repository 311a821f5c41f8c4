/**
 * `armada swarm` on bad input and unreachable hosts, through the CLI as people run it: one line
 * naming the fix, exit 2 for usage, 1 for what the user must fix. No host is touched: the port
 * dialled is one that nothing listens on (freePort), the config dir the test's own.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { armada } from '../../helpers/cli.js';
import { freePort } from '../../helpers/qemu.js';
import { suiteTempDir } from '../../helpers/tmp.js';

const dir = await suiteTempDir('armada-swarm-cli-');
const env = { ARMADA_CONFIG_DIR: join(dir, 'config'), DOCKER_CONFIG: join(dir, 'docker') };

describe('armada swarm: usage errors exit 2 before anything is dialled', () => {
  test.each([
    [['swarm', 'up'], /^armada: name at least one host \(e\.g\. pi-1\.local\)$/m],
    [['swarm', 'up', 'pi-1.local', 'pi-1.local'], /pi-1.local is named twice; name each host once/],
    [
      ['swarm', 'up', 'pi-1.local', '--advertise-addr', 'eth0;reboot'],
      /--advertise-addr 'eth0;reboot': give an address or interface/,
    ],
    [
      ['swarm', 'up', 'pi-1.local', '--advertise-addr', 'pi-9.local=eth0'],
      /pi-9.local is not one of the hosts named/,
    ],
    [['swarm', 'up', 'tcp://a/b'], /is not a host name or address/],
    [['swarm', 'join', 'pi-2.local'], /^armada: missing --manager$/m],
    [
      ['swarm', 'join', 'pi-2.local', '--manager', 'm', '--role', 'boss'],
      /--role boss is not one of: worker, manager/,
    ],
    [['swarm', 'leave', 'pi-2.local', '--drain-timeout', '0'], /--drain-timeout: give more than 0/],
    [['swarm', 'ls'], /^armada: name a manager host \(e\.g\. armada swarm ls pi-1\.local\)$/m],
    [['swarm'], /^armada: 'armada swarm' needs <command>$/m],
    [['swarm', 'leave'], /name at least one host to take out of its swarm/],
  ])('%j', async (args, message) => {
    const r = await armada(args, { env });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(`Run 'armada swarm --help' for usage.`);
  });
});

describe('armada swarm: hosts that cannot be used exit 1 with the fix', () => {
  let port: number;
  beforeAll(async () => {
    port = await freePort();
  });

  test('no client certificate yet: run armada ca init', async () => {
    const r = await armada(['swarm', 'up', `127.0.0.1:${port}`], {
      env: { ...env, ARMADA_CONFIG_DIR: join(dir, 'empty') },
    });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.trim()).toMatch(
      /^armada: no client certificate for 127\.0\.0\.1: run 'armada ca init'/,
    );
  });

  test('nothing listening: the connect-style reason, one line, and --json gets one document', async () => {
    expect((await armada(['ca', 'init'], { env })).code).toBe(0);
    const r = await armada(['swarm', 'ls', `127.0.0.1:${port}`], { env });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.trim()).toBe(
      `armada: reading its swarm state: connection refused by 127.0.0.1:${port}: dockerd is not listening there yet (still booting?)`,
    );
    const j = await armada(['swarm', 'up', `127.0.0.1:${port}`, '--json'], { env });
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({
      ok: false,
      error: { code: 'user-error', exitCode: 1 },
    });
  });
});
