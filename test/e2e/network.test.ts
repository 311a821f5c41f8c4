/**
 * cloud-init network config on a booted image: a guest with three NICs, user networking
 * (restrict=on, DHCP from the default network file) and two on private L2 links of the test's
 * own (QEMU socket netdevs; the test is the other end). User-data selects the L2 NICs with
 * `match: macaddress`, gives both a static address and renames one with `set-name`. First boot's
 * armada/status.json must list the addresses on the right interfaces, and the guest must answer
 * ARP for them on the right wire, from the right MAC.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { builtImage, e2eSkip } from './built-image.js';
import { bootCopy, type Booted } from './vm.js';
import { freePort } from '../helpers/qemu.js';
import { arpReplyMac, arpRequest, connectL2, type L2Peer } from '../helpers/l2-peer.js';
import { suiteTempDir } from '../helpers/tmp.js';
import { readFat } from '../../src/image/fat.js';
import { findBootPartition } from '../../src/image/partition-table.js';
import { readPartitionTable } from '../../src/image/read-partition-table.js';
import { describeNeeds } from '../helpers/needs.js';

const dir = e2eSkip ? '' : await suiteTempDir('armada-e2e-network-');
const env = { ARMADA_CONFIG_DIR: join(dir, 'laptop') };
const lan = { mac: '52:54:00:99:00:02', ip: '10.99.0.12' };
const renamed = { mac: '52:54:00:99:00:03', ip: '10.99.1.12', name: 'lan1' };
const userData = `#cloud-config
network:
  version: 2
  ethernets:
    lan:
      match:
        macaddress: "${lan.mac}"
      addresses: [${lan.ip}/24]
    second:
      match:
        macaddress: "${renamed.mac}"
      set-name: ${renamed.name}
      addresses: [${renamed.ip}/24]
      optional: true
`;

describeNeeds({ root: true }, 'cloud-init network config on a booted image', () => {
  let booted: Booted;
  const peers: L2Peer[] = [];
  const ports: number[] = [];
  let consoleLine = '';
  let status: { interfaces: Record<string, string[]> };
  const timings: Record<string, number> = {};
  afterAll(async () => {
    for (const p of peers) p.close();
    await booted?.vm.stop();
  });

  beforeAll(async () => {
    const { image } = builtImage();
    writeFileSync(join(dir, 'user-data.yaml'), userData);
    ports.push(await freePort(), await freePort());
    booted = await bootCopy({
      source: image,
      dir,
      name: 'network',
      configure: [
        '--hostname',
        'e2e-net',
        '--tls',
        'device',
        '--user-data',
        join(dir, 'user-data.yaml'),
      ],
      env,
      // Three NICs and a shared 2-core host: first boot has taken over 10 minutes here.
      firstBootTimeoutMs: 1_500_000,
      // Under that load udev took over 90 s (systemd's default) to show the boot partition,
      // and the guest went to emergency mode.
      kernelArgs: ['systemd.default_device_timeout_sec=900'],
      nics: [
        { netdev: `socket,listen=127.0.0.1:${ports[0]}`, mac: lan.mac },
        { netdev: `socket,listen=127.0.0.1:${ports[1]}`, mac: renamed.mac },
      ],
    });
    timings.firstBootAndLoginMs = booted.bootMs;
    const started = Date.now();
    consoleLine = await booted.vm.waitFor(
      /armada: interfaces: /,
      300_000,
      'armada-interfaces.service to report the addresses',
    );
    timings.interfacesReportMs = Date.now() - started;
    for (const port of ports) peers.push(await connectL2(port));
  }, 2_400_000);

  it('answers ARP for each static address on its own L2 link, from the MAC user-data matched', async () => {
    for (const [i, nic] of [lan, renamed].entries()) {
      const reply = peers[i].waitFor(
        (f) => arpReplyMac(f, nic.ip) !== undefined,
        15_000,
        `ARP reply for ${nic.ip}`,
      );
      peers[i].send(arpRequest('52:54:00:e2:e2:01', nic.ip.replace(/\d+$/, '1'), nic.ip));
      expect(arpReplyMac(await reply, nic.ip)).toBe(nic.mac);
    }
  });

  it('status.json on the card lists every interface with its addresses', async () => {
    // Read after QEMU stops: the guest wrote the FAT, nothing else has it open then.
    await booted.vm.stop();
    const table = await readPartitionTable(booted.image);
    const fat = { path: booted.image, offsetBytes: findBootPartition(table).offsetBytes };
    status = JSON.parse((await readFat(fat, '/armada/status.json'))!.toString()) as typeof status;
    const ifaces = status.interfaces;
    console.info(`e2e network: ${consoleLine.trim()}\ntimings ${JSON.stringify(timings)}`);
    // match: the key "lan" is only an ID; the NIC keeps its kernel name (enp0s2 on virt).
    expect(Object.keys(ifaces)).not.toContain('lan');
    const withLan = Object.entries(ifaces).filter(([, a]) => a.includes(`${lan.ip}/24`));
    expect(withLan.map(([n]) => n)).toHaveLength(1);
    expect(withLan[0][0]).toMatch(/^enp0s\d+$/);
    // set-name: udev renamed the matched NIC at first boot.
    expect(ifaces[renamed.name]).toContain(`${renamed.ip}/24`);
    // The user NIC still has DHCP from the image's default network file (slirp: 10.0.2.15).
    expect(Object.values(ifaces).flat()).toContain('10.0.2.15/24');
    expect(Object.keys(ifaces)).not.toContain('lo');
  });
});
