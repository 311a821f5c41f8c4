/**
 * The other end of a QEMU `-netdev socket,listen=127.0.0.1:PORT` NIC: a TCP client speaking
 * QEMU's stream framing (each Ethernet frame prefixed by its length, 4 bytes big-endian). A
 * test puts frames on the guest's private L2 and reads what the guest answers: an ARP request
 * proves which MAC holds an address on that wire.
 */
import { connect, type Socket } from 'node:net';

export interface L2Peer {
  send(frame: Buffer): void;
  /** The first frame (already received or still to come) that match accepts. */
  waitFor(match: (frame: Buffer) => boolean, timeoutMs: number, what: string): Promise<Buffer>;
  close(): void;
}

export async function connectL2(port: number): Promise<L2Peer> {
  const socket: Socket = await new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  const frames: Buffer[] = [];
  let pending = Buffer.alloc(0);
  const listeners = new Set<() => void>();
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
      const len = pending.readUInt32BE(0);
      frames.push(pending.subarray(4, 4 + len));
      pending = pending.subarray(4 + len);
    }
    for (const l of listeners) l();
  });
  socket.on('error', () => undefined);
  return {
    send(frame) {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(frame.length);
      socket.write(Buffer.concat([len, frame]));
    },
    waitFor(match, timeoutMs, what) {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const check = () => {
          for (; seen < frames.length; seen++)
            if (match(frames[seen])) {
              done();
              resolve(frames[seen]);
              return;
            }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${what} on the L2 link within ${timeoutMs / 1000}s`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    close() {
      socket.destroy();
    },
  };
}

const macBytes = (mac: string) => Buffer.from(mac.replaceAll(':', ''), 'hex');
const ipBytes = (ip: string) => Buffer.from(ip.split('.').map(Number));
const macText = (b: Buffer) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');

/** A broadcast "who has targetIp, tell senderIp" (Ethernet + ARP, padded to 60 bytes). */
export function arpRequest(senderMac: string, senderIp: string, targetIp: string): Buffer {
  const f = Buffer.alloc(60);
  f.fill(0xff, 0, 6);
  macBytes(senderMac).copy(f, 6);
  f.writeUInt16BE(0x0806, 12);
  f.writeUInt16BE(1, 14); // Ethernet
  f.writeUInt16BE(0x0800, 16); // IPv4
  f[18] = 6;
  f[19] = 4;
  f.writeUInt16BE(1, 20); // request
  macBytes(senderMac).copy(f, 22);
  ipBytes(senderIp).copy(f, 28);
  ipBytes(targetIp).copy(f, 38);
  return f;
}

/** The MAC in an ARP reply for ip, or undefined when the frame is something else. */
export function arpReplyMac(frame: Buffer, ip: string): string | undefined {
  if (frame.length < 42 || frame.readUInt16BE(12) !== 0x0806 || frame.readUInt16BE(20) !== 2)
    return undefined;
  return frame.subarray(28, 32).equals(ipBytes(ip)) ? macText(frame.subarray(22, 28)) : undefined;
}
