/**
 * Which driver binds a device-tree node, from the kernel's own tables: modules.alias (the
 * `of:`, `usb:` and `pci:` patterns modpost writes for each module's device table),
 * modules.builtin.modinfo (`<module>.alias=` lines of built-in code), modules.dep (what a module
 * needs loaded first) and the compatible strings of the kernel image's own match tables. Pure:
 * text and bytes in, answers out.
 */

export interface AliasPattern {
  pattern: string;
  module: string;
  regex?: RegExp;
  /** A literal run every match contains, to skip most patterns cheaply. */
  literal: string;
}

export interface DriverTables {
  /** modules.alias, of/usb/pci patterns only. */
  modules: readonly AliasPattern[];
  /** modules.builtin.modinfo's aliases (kernels from about 6.13 list device tables there). */
  builtin: readonly AliasPattern[];
  /** Module name → the module names it depends on (modules.dep, transitively closed on use). */
  deps: ReadonlyMap<string, readonly string[]>;
  /** Every module file modules.dep lists (what the root filesystem holds after depmod). */
  available: ReadonlySet<string>;
}

/** Module names as modprobe compares them: '-' and '_' are the same. */
export const moduleName = (file: string) =>
  file
    .replace(/^.*\//, '')
    .replace(/\.ko(\.\w+)?$/, '')
    .replace(/-/g, '_');

const kinds = /^(of|usb|pci):/;

function literalOf(pattern: string): string {
  const runs = pattern.split(/[*?[\]]/);
  return runs.reduce((a, b) => (b.length > a.length ? b : a), '');
}

function aliasPattern(pattern: string, module: string): AliasPattern {
  return { pattern, module: module.replace(/-/g, '_'), literal: literalOf(pattern) };
}

/** fnmatch(3) as modprobe uses it for aliases: `*`, `?` and `[...]` classes. */
export function globRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) out += '\\[';
      else {
        const body = pattern
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        out += `[${body}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 's');
}

export function aliasMatches(a: AliasPattern, modalias: string): boolean {
  if (!modalias.includes(a.literal)) return false;
  a.regex ??= globRegex(a.pattern);
  return a.regex.test(modalias);
}

export function parseModulesAlias(text: string): AliasPattern[] {
  const out: AliasPattern[] = [];
  for (const line of text.split('\n')) {
    const m = /^alias\s+(\S+)\s+(\S+)/.exec(line);
    if (m && kinds.test(m[1])) out.push(aliasPattern(m[1], m[2]));
  }
  return out;
}

/** modules.builtin.modinfo: NUL-separated `module.key=value` records. */
export function parseBuiltinModinfo(text: string): AliasPattern[] {
  const out: AliasPattern[] = [];
  for (const rec of text.split('\0')) {
    const m = /^([^.=]+)\.alias=(.+)$/s.exec(rec);
    if (m && kinds.test(m[2])) out.push(aliasPattern(m[2], m[1]));
  }
  return out;
}

export function parseModulesDep(text: string): {
  deps: Map<string, string[]>;
  available: Set<string>;
} {
  const deps = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = moduleName(line.slice(0, colon));
    deps.set(
      name,
      line
        .slice(colon + 1)
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(moduleName),
    );
  }
  return { deps, available: new Set(deps.keys()) };
}

/** The module and everything modules.dep says it needs, in no particular order. */
export function withDeps(module: string, deps: ReadonlyMap<string, readonly string[]>): string[] {
  const seen = new Set<string>();
  const todo = [module];
  while (todo.length) {
    const m = todo.pop()!;
    if (seen.has(m)) continue;
    seen.add(m);
    todo.push(...(deps.get(m) ?? []));
  }
  return [...seen];
}

/** Every module (or built-in) whose alias patterns match one of the modaliases, in table order. */
export function matchingModules(
  patterns: readonly AliasPattern[],
  modaliases: readonly string[],
): string[] {
  const out = new Set<string>();
  for (const a of patterns) if (modaliases.some((m) => aliasMatches(a, m))) out.add(a.module);
  return [...out];
}

/**
 * The compatible strings that sit in a `struct of_device_id` of the kernel image: the kernel's
 * built-in drivers, and the early tables (IRQCHIP_DECLARE, CLK_OF_DECLARE, TIMER_OF_DECLARE, the
 * default bus matches of drivers/of/platform.c) that the core walks without any driver. The
 * struct keeps `compatible` as a char[128] at offset 64 of an 8-byte-aligned 200-byte record, so
 * a table entry is the string, NUL-padded to 128 bytes, at an offset divisible by 8 (an arm64
 * Image is loaded 2 MiB-aligned, so file offsets keep the alignment). A string used elsewhere
 * (an of_device_is_compatible() literal) is packed among other strings and does not qualify.
 */
export function compatiblesInKernelImage(image: Buffer, wanted: Iterable<string>): Set<string> {
  const found = new Set<string>();
  for (const c of new Set(wanted)) {
    const needle = Buffer.from(`\0${c}\0`, 'latin1');
    if (needle.length - 1 > 128) continue;
    for (let at = image.indexOf(needle); at >= 0; at = image.indexOf(needle, at + 1)) {
      const start = at + 1;
      if (start % 8 !== 0 || start + 128 > image.length) continue;
      const pad = image.subarray(start + c.length, start + 128);
      if (pad.every((x) => x === 0)) {
        found.add(c);
        break;
      }
    }
  }
  return found;
}
