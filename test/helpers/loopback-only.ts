/**
 * Running a command where the network is loopback alone, yet a server of the test (listening on
 * 127.0.0.1 in the test's own namespace) answers on the same address and port: whatever the
 * command fetches provably comes from that server and from nothing else.
 */
import { connect, createServer, type Socket } from 'node:net';
import type { Command } from '../../src/exec.js';

/*
 * Runs in the namespace: listens on 127.0.0.1:port, relays each connection to the unix socket
 * (unix sockets are files, not bound to a network namespace), then runs the command. Its exit
 * ends the relay; SIGTERM (a timeout) kills the command's whole process group.
 */
const relay = `
const net = require('node:net');
const { spawn } = require('node:child_process');
const [port, socket, file, ...args] = process.argv.slice(1);
const server = net.createServer((c) => {
  const up = net.connect(socket);
  c.pipe(up).pipe(c);
  c.on('error', () => up.destroy());
  up.on('error', () => c.destroy());
});
server.listen(Number(port), '127.0.0.1', () => {
  const child = spawn(file, args, { stdio: 'inherit', detached: true });
  const stop = () => {
    try { process.kill(-child.pid, 'SIGKILL'); } catch {}
    process.exit(143);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  child.on('error', (e) => { console.error(e.message); process.exit(127); });
  child.on('exit', (code) => process.exit(code ?? 128));
});
`;

/**
 * `cmd` in a new network namespace whose only link is loopback, where 127.0.0.1:`port` is relayed
 * to `socket` (see loopbackBridge). It refuses to run when the namespace has any other link.
 */
export function loopbackOnly(cmd: Command, port: number, socket: string): Command {
  const script = [
    'set -eu',
    'ip link set lo up',
    'links=$(ip -o link show | cut -d: -f2 | tr -d " \\n")',
    'if [ "$links" != lo ]; then echo "armada-netns: links besides loopback: $links" >&2; exit 97; fi',
    'node="$1"; code="$2"; shift 2',
    'exec "$node" -e "$code" "$@"',
  ].join('\n');
  return [
    'unshare',
    [
      '--net',
      '--',
      'sh',
      '-c',
      script,
      'armada-netns',
      process.execPath,
      relay,
      String(port),
      socket,
      cmd[0],
      ...cmd[1],
    ],
  ];
}

/** Relays connections on the unix socket `path` to 127.0.0.1:`port` of this namespace. */
export async function loopbackBridge(
  port: number,
  path: string,
): Promise<{ close(): Promise<void> }> {
  const open = new Set<Socket>();
  const server = createServer((c) => {
    const to = connect(port, '127.0.0.1');
    for (const s of [c, to]) {
      open.add(s);
      s.on('close', () => open.delete(s));
    }
    c.pipe(to).pipe(c);
    c.on('error', () => to.destroy());
    to.on('error', () => c.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, resolve);
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
