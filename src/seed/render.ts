/**
 * Text renderers for the seed's plain files: runcmd.sh and files.tsv (network: render-network.ts).
 * Pure; snapshot-tested.
 */
import type { UserSettings, WriteFile } from './types.js';
import { shellQuote } from './seed-env.js';

/**
 * cloud-init `runcmd` as a POSIX sh script: list items are argv (each word quoted), strings are
 * shell text run verbatim. User settings seed.env has no key for (groups, shell, full name) run
 * first, so the user's own commands can rely on them.
 */
export function renderRuncmd(
  runcmd: readonly (string | readonly string[])[],
  user: UserSettings | undefined,
  username: string | undefined,
): string | undefined {
  const setup: string[] = [];
  if (user && username) {
    const u = shellQuote(username);
    if (user.groups.length) {
      setup.push(
        `for group in ${user.groups.map(shellQuote).join(' ')}; do`,
        `  if getent group "$group" >/dev/null; then usermod -aG "$group" ${u}; else echo "armada: group $group does not exist; not added" >&2; fi`,
        'done',
      );
    }
    if (user.shell) setup.push(`usermod -s ${shellQuote(user.shell)} ${u}`);
    if (user.gecos) setup.push(`usermod -c ${shellQuote(user.gecos)} ${u}`);
  }
  if (!setup.length && !runcmd.length) return undefined;
  const lines = [
    '#!/bin/sh',
    '# Made by armada from cloud-init user-data; first boot runs it once, as root, at the end.',
  ];
  if (setup.length) lines.push('', '# user settings without a seed.env key', ...setup);
  if (runcmd.length) {
    lines.push('', '# runcmd');
    for (const cmd of runcmd)
      lines.push(typeof cmd === 'string' ? cmd : cmd.map(shellQuote).join(' '));
  }
  return lines.join('\n') + '\n';
}

/** `<path>\t<octal mode>\t<owner>\t<append 0|1>\tfiles/<n>` per file; contents go to files/<n>. */
export function renderFilesTsv(files: readonly WriteFile[]): {
  tsv: string;
  contents: { name: string; content: Uint8Array }[];
} {
  const rows: string[] = [];
  const contents: { name: string; content: Uint8Array }[] = [];
  files.forEach((f, i) => {
    const name = `files/${i + 1}`;
    rows.push(
      [f.path, f.mode.toString(8).padStart(4, '0'), f.owner, f.append ? '1' : '0', name].join('\t'),
    );
    contents.push({ name, content: f.content });
  });
  return { tsv: rows.length ? rows.join('\n') + '\n' : '', contents };
}
