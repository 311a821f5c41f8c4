/**
 * The Raspberry Pi firmware's config.txt, as far as booting is concerned: `key=value` lines,
 * `initramfs <file> [followkernel]`, and conditional sections (`[pi4]`, `[cm4]`, `[all]`). Pure.
 */

export interface ConfigLine {
  /** The section filter in force ('all' outside any section). */
  filter: string;
  key: string;
  value: string;
}

export function parseConfigTxt(text: string): ConfigLine[] {
  const lines: ConfigLine[] = [];
  let filter = 'all';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const section = /^\[([^\]]*)\]$/.exec(line);
    if (section) {
      filter = section[1].trim().toLowerCase();
      continue;
    }
    // `initramfs` is the one directive whose arguments are separated by spaces, not '='.
    const initramfs = /^initramfs\s+(\S+)/.exec(line);
    if (initramfs) {
      lines.push({ filter, key: 'initramfs', value: initramfs[1] });
      continue;
    }
    const kv = /^([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(line);
    if (kv) lines.push({ filter, key: kv[1].toLowerCase(), value: kv[2].trim() });
  }
  return lines;
}

/**
 * The settings one model sees: lines outside sections and in sections whose filter is one of
 * the model's; later lines win, as in the firmware. A filter this parser does not know (EDID,
 * GPIO, serial numbers) is taken as not matching, so nothing is claimed from it.
 */
export function settingsFor(
  lines: readonly ConfigLine[],
  modelFilters: readonly string[],
): Map<string, string> {
  const out = new Map<string, string>();
  const matches = new Set(['all', ...modelFilters]);
  for (const l of lines) if (matches.has(l.filter)) out.set(l.key, l.value);
  return out;
}
