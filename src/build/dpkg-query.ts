/**
 * What dpkg says is installed in a root filesystem: the command (run from the host against the
 * tree's own database) and its parser. The inventory and the stage refresh both read it.
 */
import { join } from 'node:path';
import type { Command } from '../exec.js';

export function dpkgQueryCommand(rootfs: string): Command {
  return [
    'dpkg-query',
    [
      `--admindir=${join(rootfs, 'var/lib/dpkg')}`,
      '-W',
      '-f',
      '${db:Status-Status}\t${Package}\t${Version}\t${Architecture}\n',
    ],
  ];
}

export function parseDpkgQuery(text: string): { name: string; version: string; arch: string }[] {
  return text
    .split('\n')
    .map((l) => l.split('\t'))
    .filter((f) => f.length === 4 && f[0] === 'installed')
    .map(([, name, version, arch]) => ({ name: name, version: version, arch: arch }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
