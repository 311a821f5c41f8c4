/**
 * Small shell helpers the suites share instead of each keeping a copy: tool probes, shell
 * pipelines over bytes, compressors, SSH keys.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Is `tool` on PATH? */
export function hasTool(tool: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { stdio: 'ignore' }).status === 0;
}

/** The tools of `tools` that are not installed (empty: all there). */
export function missingTools(tools: readonly string[]): string[] {
  return tools.filter((t) => !hasTool(t));
}

/** Runs a shell command line with `input` on stdin; its stdout as bytes. Throws on failure. */
export function shell(cmd: string, input?: Buffer): Buffer {
  return execFileSync('sh', ['-c', cmd], { input, maxBuffer: 512 << 20, timeout: 120_000 });
}

/** xz with CRC32 (what Debian's packages use), as the kernel tests feed it. */
export const xz = (b: Buffer): Buffer => shell('xz -c --check=crc32', b);
export const zstd = (b: Buffer): Buffer => shell('zstd -c -q', b);

/** A passphrase-less ed25519 key pair at dir/name; returns the public key's path. */
export function sshKeyPair(dir: string, name = 'id', comment = 'armada-test'): string {
  const key = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', key]);
  return `${key}.pub`;
}
