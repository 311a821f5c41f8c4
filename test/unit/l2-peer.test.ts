import { createServer, type Socket } from 'node:net';
import { afterAll, describe, expect, test } from 'vitest';
import { arpReplyMac, arpRequest, connectL2 } from '../helpers/l2-peer.js';

/** An ARP reply "ip is at mac", as the guest's kernel sends it. */
function arpReply(mac: string, ip: string): Buffer {
  const f = arpRequest(mac, ip, '10.99.0.1');
  f.writeUInt16BE(2, 20);
  return f;
}

describe('L2 peer for QEMU socket netdevs', () => {
  const sockets: Socket[] = [];
  const server = createServer((s) => sockets.push(s));
  afterAll(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });

  test('ARP request bytes: broadcast, sender, target', () => {
    const f = arpRequest('52:54:00:aa:bb:cc', '10.99.0.1', '10.99.0.12');
    expect(f.length).toBe(60);
    expect(f.subarray(0, 22).toString('hex')).toBe('ffffffffffff525400aabbcc08060001080006040001');
    expect(f.subarray(22, 42).toString('hex')).toBe(
      '525400aabbcc' + '0a630001' + '000000000000' + '0a63000c',
    );
    expect(arpReplyMac(f, '10.99.0.1')).toBeUndefined(); // a request, not a reply
  });

  test('frames are length-prefixed both ways, also when split across reads', async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const peer = await connectL2(port);
    peer.send(Buffer.from('abc'));
    await expect.poll(() => sockets.length).toBe(1);
    const received = await new Promise<Buffer>((r) => sockets[0].once('data', r));
    expect(received.toString('hex')).toBe('00000003616263');
    const reply = arpReply('52:54:00:99:00:02', '10.99.0.12');
    const framed = Buffer.concat([Buffer.from([0, 0, 0, reply.length]), reply]);
    const waiting = peer.waitFor(
      (f) => arpReplyMac(f, '10.99.0.12') !== undefined,
      5000,
      'ARP reply',
    );
    sockets[0].write(framed.subarray(0, 10));
    setTimeout(() => sockets[0].write(framed.subarray(10)), 50);
    expect(arpReplyMac(await waiting, '10.99.0.12')).toBe('52:54:00:99:00:02');
    await expect(peer.waitFor(() => false, 100, 'nothing')).rejects.toThrow(/no nothing/);
    peer.close();
  });
});
